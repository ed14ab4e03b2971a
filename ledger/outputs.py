"""Output files: never the store or one of its companions, and always replaced whole.

Every command that writes a file (`export`, `report --out`, `replay --out`, and the key and
checkpoint commands) asks `refuse_protected` first and writes through `replaced_whole`, so a
mistyped path cannot destroy the ledger and a failed or killed run leaves the old file intact.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ledger.bootstrap import is_postgres, sqlite_path
from ledger.domain.errors import LedgerError

# SQLite's own companions of a database file; the key file of SPEC §13.
STORE_SUFFIXES = ("", "-wal", "-shm", "-journal", ".key")


class OutputRefused(LedgerError):
    """An output path names the store, a file inside it or one of its companions."""


def store_files(store_url: str) -> list[Path]:
    """The files that make up a store on this machine (none for PostgreSQL)."""
    if is_postgres(store_url):
        return []
    store = sqlite_path(store_url)
    return [store.with_name(store.name + suffix) for suffix in STORE_SUFFIXES]


def refuse_protected(output: Path, protected: Iterable[Path]) -> None:
    """Raise OutputRefused if `output` is, or is inside, a protected file (links resolved)."""
    target = output.resolve()
    for path in protected:
        kept = path.resolve()
        if target == kept or kept in target.parents or _same_file(target, kept):
            raise OutputRefused(
                f"{output} is {'inside ' if kept in target.parents else ''}the ledger's "
                f"{_role(path)} ({path}); choose another output path — nothing was written"
            )


@contextlib.contextmanager
def replaced_whole(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`; on success it is synced and renamed over `target`."""
    # A hidden name that no reader's glob (`*.parquet`, `*.jsonl.gz`) takes for the target.
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        yield partial
        synced(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def synced(path: Path) -> None:
    """Wait until the file's bytes are on disk (before a rename makes it visible)."""
    with path.open("rb+") as stream:
        os.fsync(stream.fileno())


def _same_file(a: Path, b: Path) -> bool:
    """Two names for one file (a hard link)."""
    try:
        return a.samefile(b)
    except OSError:
        return False


def _role(path: Path) -> str:
    name = path.name
    if name.endswith((".projections.duckdb", ".projections.duckdb.wal")):
        return "projections file"
    if name.endswith(".key"):
        return "key file"
    if name.endswith(("-wal", "-shm", "-journal")):
        return "journal"
    return "store"
