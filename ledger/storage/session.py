"""What the application asks of a store inside one transaction, whichever database is behind it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.storage.chain import GENESIS, link

Row = tuple[int, str, int, str, bytes]
"""A stored event as read in bulk: (position, originator_id, originator_version, topic, state)."""


@dataclass(frozen=True, slots=True)
class Key:
    """A ledger-wide unique key: `id:<event id>` or `payment:<programme>:<payment id>`."""

    key: str
    originator_id: UUID
    digest: str


@dataclass(frozen=True, slots=True)
class Placement:
    """An enrolment has, at some time, placed its beneficiary in a district."""

    programme: str
    district: str
    originator_id: UUID


@dataclass(frozen=True, slots=True)
class ChainLink:
    position: int
    digest: bytes


class Session(ABC):
    """Reads (and, when writable, appends) inside one database transaction."""

    @abstractmethod
    def find_keys(self, keys: Collection[str]) -> dict[str, Key]: ...

    @abstractmethod
    def load(self, originator_ids: Collection[UUID]) -> dict[UUID, list[StoredEvent]]: ...

    @abstractmethod
    def placements(self, programme: str, districts: Collection[str] | None) -> set[UUID]: ...

    @abstractmethod
    def last_state(self) -> bytes | None:
        """The state of the last stored event (its recorded time bounds the next one's)."""

    @abstractmethod
    def _head(self) -> tuple[int, bytes]:
        """The highest position ever used and the digest of the last chain link."""

    @abstractmethod
    def _insert(self, rows: Sequence[Row], links: Sequence[ChainLink], keys: Sequence[Key],
                placements: Sequence[Placement]) -> None: ...

    def append(
        self,
        events: Sequence[StoredEvent],
        keys: Sequence[Key] = (),
        placements: Sequence[Placement] = (),
    ) -> list[int]:
        """Store events at the next positions, chaining each; return the positions."""
        position, digest = self._head()
        rows: list[Row] = []
        links: list[ChainLink] = []
        for event in events:
            position += 1
            originator_id = event.originator_id
            assert isinstance(originator_id, UUID)
            digest = link(digest, position, originator_id, event.originator_version,
                          event.topic, event.state)
            rows.append((position, originator_id.hex, event.originator_version, event.topic,
                         event.state))
            links.append(ChainLink(position, digest))
        self._insert(rows, links, keys, placements)
        return [row[0] for row in rows]


class LedgerStore(ABC):
    """The ledger's view of a recorder: sessions, bulk reads and the chain, for any database."""

    kind: str
    url: str

    @abstractmethod
    def reading(self) -> AbstractContextManager[Session]: ...

    @abstractmethod
    def writing(self) -> AbstractContextManager[Session]:
        """A transaction holding the store's write lock: one writer at a time, readers unblocked."""

    @abstractmethod
    def max_position(self) -> int: ...

    @abstractmethod
    def read_rows(self, after: int, limit: int) -> list[Row]:
        """Stored events with positions above `after`, in position order."""

    @abstractmethod
    def read_chain(self, after: int, limit: int) -> list[ChainLink]: ...

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        """The library's own saves go through the ledger's session, so they are chained too."""
        with self.writing() as session:
            return session.append(stored_events, kwargs.get("keys", ()), kwargs.get("placements", ()))

    def iter_rows(self, after: int = 0, batch: int = 50_000) -> Iterator[list[Row]]:
        while True:
            rows = self.read_rows(after, batch)
            if not rows:
                return
            yield rows
            after = rows[-1][0]


__all__ = ["GENESIS", "ChainLink", "Key", "LedgerStore", "Placement", "Row", "Session"]
