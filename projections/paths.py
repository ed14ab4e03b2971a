"""The Parquet layout of a replay: `DIR/<table>/as_of=<D>/data.parquet` (Hive partitioning), so
snapshots for many dates sit side by side and readers take `as_of` from the folder name.

A replay's tables appear together or not at all: each is written beside its place under a hidden
name, and only when every table is written does a journal (`DIR/.replay.pending`) list the
renames that put them in place. A run killed before the journal leaves the old snapshot; one
killed during the renames is finished by the next replay or `query --out` on the folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ledger.outputs import synced


class ParquetLayout:
    """Where each table's snapshot for one as-of date lives under a replay folder."""

    FILE = "data.parquet"
    PARTITION = "as_of"

    def __init__(self, root: Path):
        self.root = root

    def table_dir(self, table: str) -> Path:
        return self.root / table

    def partition(self, table: str, as_of: dt.date) -> Path:
        return self.table_dir(table) / f"{self.PARTITION}={as_of.isoformat()}"

    def file(self, table: str, as_of: dt.date) -> Path:
        return self.partition(table, as_of) / self.FILE

    def pattern(self, table: str) -> str:
        """A glob matching every snapshot of `table`, for `read_parquet(..., hive_partitioning)`."""
        return str(self.table_dir(table) / f"{self.PARTITION}=*" / "*.parquet")

    def snapshots(self, table: str) -> list[Path]:
        """Every snapshot file of `table`, in as-of order."""
        return sorted(self.table_dir(table).glob(f"{self.PARTITION}=*/*.parquet"))

    def tables(self) -> list[str]:
        """The tables that have at least one snapshot here, by name."""
        if not self.root.is_dir():
            return []
        return sorted(
            d.name for d in self.root.iterdir() if d.is_dir() and any(d.glob("as_of=*/*.parquet"))
        )

    @contextlib.contextmanager
    def snapshot(self, as_of: dt.date) -> Iterator[Staging]:
        """Stage tables for `as_of`; they are put in place together when the block ends well."""
        self.recover()
        staging = Staging(self, as_of)
        try:
            yield staging
            staging.commit()
        finally:
            staging.discard()

    @property
    def journal(self) -> Path:
        return self.root / JOURNAL

    def recover(self) -> None:
        """Finish the renames of a replay killed while putting its tables in place, and remove
        what replays that died before that point left staged."""
        if self.journal.is_file():
            _rename_all(json.loads(self.journal.read_text()))
            self.journal.unlink()
        for staged in self.root.glob(f"*/{self.PARTITION}=*/.{self.FILE}.*.staged"):
            if not _alive(int(staged.name.split(".")[-2])):
                staged.unlink(missing_ok=True)


class Staging:
    """The tables of one replay, written under hidden names until `commit` puts them in place."""

    def __init__(self, layout: ParquetLayout, as_of: dt.date):
        self.layout = layout
        self.as_of = as_of
        self.staged: list[tuple[Path, Path]] = []  # (hidden, final)

    def write(self, table: str, rows: pa.Table) -> Path:
        target = self.layout.file(table, self.as_of)
        target.parent.mkdir(parents=True, exist_ok=True)
        hidden = target.with_name(f".{target.name}.{os.getpid()}.staged")
        pq.write_table(rows, hidden, compression="zstd")
        synced(hidden)
        self.staged.append((hidden, target))
        return target

    def commit(self) -> None:
        journal = self.layout.journal
        pending = journal.with_name(f"{journal.name}.{os.getpid()}")
        pending.write_text(json.dumps([[str(a), str(b)] for a, b in self.staged]))
        synced(pending)
        pending.replace(journal)  # from here on, the new snapshot is decided
        _rename_all(json.loads(journal.read_text()))
        journal.unlink()
        self.staged = []

    def discard(self) -> None:
        for hidden, _ in self.staged:
            hidden.unlink(missing_ok=True)
        self.staged = []


JOURNAL = ".replay.pending"


def _rename_all(pairs: list[list[str]]) -> None:
    for hidden, final in pairs:
        if Path(hidden).exists():
            Path(hidden).replace(final)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
