"""Writing stored events back out as event log v1, so `import --historical` reproduces them exactly."""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from ledger.domain.timeline import Timeline, event_name
from ledger.interchange.schema import ATTRIBUTES, EVENTS


def to_interchange(event: Timeline.Event) -> dict[str, Any]:
    """The v1 object of a stored event: envelope first, then the event's own fields."""
    name = event_name(event)
    spec = EVENTS[name]
    obj: dict[str, Any] = {
        "event": name,
        "effective_date": event.effective_date.isoformat(),
        "id": event.event_id,
        "recorded_at": event.timestamp.isoformat(),
        "operator": event.operator,
    }
    if event.recorded_by is not None:  # unknown for events recorded before it was kept
        obj["recorded_by"] = event.recorded_by
    if event.note is not None:
        obj["note"] = event.note
    for key in (*spec.required, *spec.optional):
        value = getattr(event, ATTRIBUTES.get(key, key))
        if value is not None:
            obj[key] = _plain(value)
    return obj


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def interchange_line(event: Timeline.Event) -> bytes:
    """The exact bytes of one exported line, newline included."""
    text = json.dumps(to_interchange(event), ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8") + b"\n"


@dataclass(frozen=True, slots=True)
class Written:
    """What an export wrote: how many lines, the position of the last event written (0 if none)
    and the SHA-256 of the lines as written (before any compression)."""

    count: int
    last_position: int
    sha256: str


def write_log(
    path: Path,
    events: Iterable[tuple[int, Timeline.Event]],
    *,
    known_at: dt.datetime | None,
    compressed: bool | None = None,
) -> Written:
    """Write every event recorded at or before `known_at` (all, if None).

    The log is gzipped when `compressed`, or by default when `path` ends in `.gz`.
    """
    count = 0
    last_position = 0
    content = hashlib.sha256()
    with _open(path, path.name.endswith(".gz") if compressed is None else compressed) as stream:
        for position, event in events:
            if known_at is not None and event.timestamp > known_at:
                break  # recorded times never decrease with position
            line = interchange_line(event)
            stream.write(line)
            content.update(line)
            count += 1
            last_position = position
    return Written(count, last_position, content.hexdigest())


def write_events(
    path: Path, events: Iterable[tuple[int, Timeline.Event]], *, known_at: dt.datetime | None
) -> int:
    """Write every event recorded at or before `known_at` (all, if None); return the count."""
    return write_log(path, events, known_at=known_at).count


def _open(path: Path, compressed: bool) -> IO[bytes]:
    if compressed:
        return cast(IO[bytes], gzip.open(path, "wb", compresslevel=6))
    return path.open("wb")
