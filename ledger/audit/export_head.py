"""The chain head of an export: what lets an auditor check an exported log against its ledger.

`export FILE` writes `FILE.chain.json` beside the log: the position of the last exported event,
the ledger's chain link (hex SHA-256) at that position, the number of lines and the SHA-256 of
the lines as written. Kept apart from the ledger (mailed, printed, signed), it anchors the chain:

- the file is the one exported if its lines still hash to `content_sha256`;
- the ledger still holds the history it held then if its stored chain link at `position` still
  equals `chain_digest` — a rewrite of any event up to there changes every link after it, so
  even someone who recomputes the whole chain cannot keep that value;
- the file and the ledger agree line by line if the ledger's events up to `position`, exported
  again, give exactly the file's lines.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, cast

from ledger.audit.verify import link_at
from ledger.codec.decoder import stored_events
from ledger.domain.errors import LedgerError
from ledger.interchange.writer import Written, interchange_line, write_log
from ledger.outputs import replaced_whole
from ledger.storage.chain import GENESIS
from ledger.storage.session import LedgerStore

FORMAT = "ledger-export-head/1"
SUFFIX = ".chain.json"


class ExportHeadError(LedgerError):
    """The export's chain head is missing or unreadable."""


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The ledger's chain at the last event of an export, and what the export held."""

    export: str
    events: int
    position: int
    chain_digest: str
    content_sha256: str
    known_at: str | None
    exported_at: str
    format: str = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def head_path(export: Path) -> Path:
    """`ledger-2025.jsonl.gz` → `ledger-2025.jsonl.gz.chain.json`."""
    return export.with_name(export.name + SUFFIX)


def export_with_head(store: LedgerStore, path: Path, *, known_at: dt.datetime | None) -> ChainHead:
    """Write the event log and, beside it, its chain head."""
    target = head_path(path)
    with replaced_whole(target) as head_partial:
        with replaced_whole(path) as log_partial:
            written = write_log(log_partial, stored_events(store), known_at=known_at,
                                compressed=path.name.endswith(".gz"))
            # The old head goes before the new log takes its place: a run killed between the
            # renames leaves a log without a head (verify --export says so), never a new log
            # beside an old head (a false tamper alarm).
            target.unlink(missing_ok=True)
        head = _head(store, path, written, known_at)
        head_partial.write_text(head.to_json(), encoding="utf-8")
    return head


def _head(store: LedgerStore, path: Path, written: Written, known_at: dt.datetime | None) -> ChainHead:
    return ChainHead(
        export=path.name,
        events=written.count,
        position=written.last_position,
        chain_digest=_digest_at(store, written.last_position),
        content_sha256=written.sha256,
        known_at=known_at.isoformat() if known_at else None,
        exported_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


def read_head(path: Path) -> ChainHead:
    """The chain head written beside the export at `path`."""
    source = head_path(path)
    try:
        obj = json.loads(source.read_text(encoding="utf-8"))
        if obj.get("format") != FORMAT:
            raise ValueError(f"format is {obj.get('format')!r}, not {FORMAT!r}")
        return ChainHead(**obj)
    except FileNotFoundError:
        raise ExportHeadError(f"no chain head {source} beside the export") from None
    except (ValueError, TypeError) as bad:
        raise ExportHeadError(f"{source} is not a chain head: {bad}") from None


@dataclass(frozen=True, slots=True)
class ExportCheck:
    """How an export compares with its chain head and with the ledger."""

    head: ChainHead
    file_intact: bool
    chain_matches: bool
    first_differing_line: int | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "export": self.head.export,
            "events": self.head.events,
            "position": self.head.position,
            "chain_digest": self.head.chain_digest,
            "file_intact": self.file_intact,
            "chain_matches": self.chain_matches,
            "first_differing_line": self.first_differing_line,
            "ok": self.ok,
            "problems": list(self.problems),
        }


def check_export(store: LedgerStore, path: Path) -> ExportCheck:
    """Check an exported log against its chain head and against the ledger it came from."""
    if not path.is_file():
        raise ExportHeadError(f"no export at {path}")
    head = read_head(path)
    try:
        return _check(store, path, head)
    except EOFError:
        raise ExportHeadError(f"{path} is cut short (its gzip stream ends early)") from None
    except (gzip.BadGzipFile, zlib.error) as failure:
        raise ExportHeadError(f"{path} is not a readable gzip file ({failure})") from None


def _check(store: LedgerStore, path: Path, head: ChainHead) -> ExportCheck:
    problems: list[str] = []
    file_intact = _content_sha256(path) == head.content_sha256
    if not file_intact:
        problems.append(f"{path.name} was changed after it was exported "
                        "(its lines no longer hash to the chain head's content_sha256)")
    chain_matches = _digest_at(store, head.position) == head.chain_digest
    if not chain_matches:
        problems.append(
            f"the ledger's chain link at position {head.position} is not the export's "
            "chain_digest: its history up to there was rewritten, or the export is from "
            "another ledger"
        )
    differing = _first_differing_line(store, path, head.position)
    if differing is not None:
        problems.append(f"line {differing} of {path.name} is not the ledger's event there")
    return ExportCheck(head, file_intact, chain_matches, differing, tuple(problems))


def _digest_at(store: LedgerStore, position: int) -> str:
    if position == 0:
        return GENESIS.hex()
    found = link_at(store, position)
    return found.digest.hex() if found is not None else ""


def _content_sha256(path: Path) -> str:
    content = hashlib.sha256()
    with _open(path) as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            content.update(chunk)
    return content.hexdigest()


def _first_differing_line(store: LedgerStore, path: Path, position: int) -> int | None:
    """The first line of the file that is not the ledger's event exported again (1-based)."""
    number = 0
    with _open(path) as stream:
        lines: Iterator[bytes] = iter(stream)
        for stored_position, event in stored_events(store):
            if stored_position > position:
                break
            number += 1
            if next(lines, b"") != interchange_line(event):
                return number
        if next(lines, b"") != b"":
            return number + 1
    return None


def _open(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")
