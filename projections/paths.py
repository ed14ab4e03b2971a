"""The Parquet layout of a replay: `DIR/<table>/as_of=<D>/data.parquet` (Hive partitioning), so
snapshots for many dates sit side by side and readers take `as_of` from the folder name."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ledger.outputs import replaced_whole


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

    def write(self, table: str, as_of: dt.date, rows: pa.Table) -> Path:
        """Write (or replace, atomically) one table's snapshot for `as_of`."""
        target = self.file(table, as_of)
        target.parent.mkdir(parents=True, exist_ok=True)
        with replaced_whole(target) as partial:
            pq.write_table(rows, partial, compression="zstd")
        return target
