"""Writing stored events back out as event log v1, so `import --historical` reproduces them exactly."""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, cast

from ledger.domain.timeline import Timeline, event_name
from ledger.interchange.schema import EVENTS


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
    if event.note is not None:
        obj["note"] = event.note
    for key in (*spec.required, *spec.optional):
        value = getattr(event, key)
        if value is not None:
            obj[key] = _plain(value)
    return obj


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def write_events(
    path: Path, events: Iterable[tuple[int, Timeline.Event]], *, known_at: dt.datetime | None
) -> int:
    """Write every event recorded at or before `known_at` (all, if None); return the count."""
    count = 0
    with _open(path) as stream:
        for _, event in events:
            if known_at is not None and event.timestamp > known_at:
                break  # recorded times never decrease with position
            line = json.dumps(to_interchange(event), ensure_ascii=False, separators=(",", ":"))
            stream.write(line.encode("utf-8") + b"\n")
            count += 1
    return count


def _open(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "wb", compresslevel=6))
    return path.open("wb")
