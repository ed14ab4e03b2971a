"""Reading stored events in bulk, by position, read-only: one reader per database serves every
bulk read — export and history (rows), `verify` and the Merkle leaves (rows with their chain
links), the projections (Arrow batches).

A reader keeps one read-only connection (SQLite: the file opened `mode=ro`, or also `immutable`
for a copy that cannot be written; PostgreSQL: the store's pool) and reads a chunk per call,
each call a snapshot of its own, so no read holds the whole ledger in memory or blocks a writer.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    import pyarrow as pa

Row = tuple[int, str, int, str, bytes]
"""A stored event as read in bulk: (position, originator_id, originator_version, topic, state)."""

Chained = tuple[int, str, int, str, bytes, bytes | None]
"""A row followed by the digest of the chain link at its position (None when there is none)."""


@dataclass(frozen=True, slots=True)
class ChainLink:
    position: int
    digest: bytes


class Reader(ABC):
    """Stored events (and chain links) with positions above `after`, at most `limit`, in order."""

    @abstractmethod
    def max_position(self) -> int:
        """The highest position stored (0 for an empty store)."""

    @abstractmethod
    def rows(self, after: int, limit: int) -> list[Row]: ...

    @abstractmethod
    def chained(self, after: int, limit: int) -> list[Chained]:
        """Rows joined with their links in the database. Links whose event is gone do not
        appear: they show as a gap in positions, which `verify` walks carefully."""

    @abstractmethod
    def links(self, after: int, limit: int) -> list[ChainLink]: ...

    @abstractmethod
    def arrow(self, after: int, limit: int) -> pa.Table:
        """(position, originator, topic, state) as an Arrow table (ledger/storage/arrow.py)."""

    @abstractmethod
    def close(self) -> None:
        """Release the reader's connection."""

    def batches(self, after: int = 0, size: int = 50_000) -> Iterator[list[Row]]:
        """Every row after `after`, a chunk of `size` at a time."""
        while rows := self.rows(after, size):
            yield rows
            after = rows[-1][0]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()
