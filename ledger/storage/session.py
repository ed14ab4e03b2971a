"""What the application asks of a store inside one transaction, whichever database is behind it."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.storage.chain import GENESIS, row_link
from ledger.storage.reader import ChainLink, Reader, Row

NewEvent = tuple[str, int, str, bytes]
"""An event to store: (originator id as 32 hex digits, originator_version, topic, state)."""

NewKey = tuple[str, str, str]
"""A ledger-wide unique key to store: (key, originator id as hex, digest)."""

NewPlacement = tuple[str, str, str]
"""An enrolment placed in a district, to store: (programme, district, originator id as hex)."""


@dataclass(frozen=True, slots=True)
class Key:
    """A ledger-wide unique key: `id:<event id>` or `payment:<programme>:<payment id>`."""

    key: str
    originator_id: UUID
    digest: str


class Session(ABC):
    """Reads and appends inside one database transaction.

    Appends may be written by a background thread (`write_behind`) while the caller goes on
    checking the next lines: the database does that work with the GIL released. Every read
    first waits for the appends before it, so a session always reads what it has written.
    """

    _writer: ThreadPoolExecutor | None = None
    _writes: list[Future[None]]
    _top: tuple[int, bytes] | None = None
    recorded_by: str = "unknown"
    """Who this session appends as, proven by the store (SPEC §12): the PostgreSQL login
    (`session_user`) or, on SQLite, the OS user the process runs as."""

    def write_behind(self) -> None:
        """From now on, write appended events on a background thread (in order)."""
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-writer")
        self._writes = []

    def barrier(self) -> None:
        """Wait until every append so far is written; raise what a background write raised."""
        if self._writer is None:
            return
        writes, self._writes = self._writes, []
        for write in writes:
            write.result()

    def close_writer(self, *, failed: bool) -> None:
        """Stop the background thread: after its writes (or, when the transaction failed and
        will be rolled back, after the one in progress)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.shutdown(wait=True, cancel_futures=failed)

    # -- reading ------------------------------------------------------------------------------

    def find_keys(self, keys: Collection[str]) -> dict[str, Key]:
        self.barrier()
        return self._find_keys(keys)

    def load(self, originator_ids: Collection[UUID]) -> dict[UUID, list[StoredEvent]]:
        self.barrier()
        return self._load(originator_ids)

    def placements(self, programme: str, districts: Collection[str] | None) -> set[UUID]:
        self.barrier()
        return self._placements(programme, districts)

    def originators(self, topic: str) -> set[UUID]:
        """Every aggregate with a stored event of this topic (a scan: for rare questions, such
        as which programmes there are when a district is retired)."""
        self.barrier()
        return self._originators(topic)

    def last_state(self) -> bytes | None:
        """The state of the last stored event (its recorded time bounds the next one's)."""
        self.barrier()
        return self._last_state()

    def position(self, originator_id: UUID, version: int) -> int | None:
        """Where one stored event is (None if it is not stored)."""
        self.barrier()
        return self._position(originator_id, version)

    def checkpointed_at(self) -> tuple[int, dt.datetime] | None:
        """The latest checkpoint kept in the store (`ledger_checkpoints`): its number and the
        time it was made (None if none was ever made)."""
        self.barrier()
        found = self._latest_checkpoint()
        return None if found is None else (found[0], dt.datetime.fromisoformat(found[1]))

    # -- appending ----------------------------------------------------------------------------

    def append(
        self,
        events: Sequence[NewEvent],
        keys: Sequence[NewKey] = (),
        placements: Sequence[NewPlacement] = (),
    ) -> range:
        """Store events at the next positions, chaining each; return the positions."""
        if self._top is None:
            self.barrier()
            self._top = self._head()
        position, digest = self._top
        first = position + 1
        rows: list[Row] = []
        links = bytearray()
        for originator_hex, version, topic, state in events:
            position += 1
            row = (position, originator_hex, version, topic, state)
            digest = row_link(digest, row)
            rows.append(row)
            links += digest
        self._top = (position, digest)
        if self._writer is None:
            self._insert(rows, bytes(links), keys, placements)
        else:
            self._writes.append(self._writer.submit(self._insert, rows, bytes(links), keys,
                                                    placements))
        return range(first, position + 1)

    # -- what each database provides --------------------------------------------------------

    @abstractmethod
    def _find_keys(self, keys: Collection[str]) -> dict[str, Key]: ...

    @abstractmethod
    def _load(self, originator_ids: Collection[UUID]) -> dict[UUID, list[StoredEvent]]: ...

    @abstractmethod
    def _placements(self, programme: str, districts: Collection[str] | None) -> set[UUID]: ...

    @abstractmethod
    def _originators(self, topic: str) -> set[UUID]: ...

    @abstractmethod
    def _last_state(self) -> bytes | None: ...

    @abstractmethod
    def _position(self, originator_id: UUID, version: int) -> int | None: ...

    @abstractmethod
    def _latest_checkpoint(self) -> tuple[int, str] | None: ...

    @abstractmethod
    def _head(self) -> tuple[int, bytes]:
        """The highest position ever used and the digest of the last chain link."""

    @abstractmethod
    def _insert(self, rows: Sequence[Row], links: bytes, keys: Sequence[NewKey],
                placements: Sequence[NewPlacement]) -> None:
        """Insert events with their chain links (32 bytes each, in order), keys and placements."""


class LedgerStore(ABC):
    """The ledger's view of a recorder: sessions, and its reader for bulk reads, for any database."""

    kind: str
    url: str
    on_wait: Callable[[str], None] | None = None
    """Told, once, when a writer has to wait for another's lock (the CLI shows it on a terminal)."""

    @abstractmethod
    def reading(self) -> AbstractContextManager[Session]: ...

    @abstractmethod
    def writing(self) -> AbstractContextManager[Session]:
        """A transaction holding the store's write lock: one writer at a time, readers unblocked."""

    @abstractmethod
    def reader(self) -> Reader:
        """A new reader of the store's events and chain (close it, or use it in `with`)."""

    @abstractmethod
    def close(self) -> None:
        """Close the store's connections."""

    def max_position(self) -> int:
        with self.reader() as reader:
            return reader.max_position()

    def read_rows(self, after: int, limit: int) -> list[Row]:
        """Stored events with positions above `after`, in position order (one short read)."""
        with self.reader() as reader:
            return reader.rows(after, limit)

    def read_chain(self, after: int, limit: int) -> list[ChainLink]:
        with self.reader() as reader:
            return reader.links(after, limit)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        """The library's own saves go through the ledger's session, so they are chained too."""
        events: list[NewEvent] = []
        for event in stored_events:
            originator_id = event.originator_id
            assert isinstance(originator_id, UUID)
            events.append((originator_id.hex, event.originator_version, event.topic, event.state))
        with self.writing() as session:
            return list(session.append(events))

    def iter_rows(self, after: int = 0, batch: int = 50_000) -> Iterator[list[Row]]:
        """Every stored event after `after`, a chunk at a time, through one reader."""
        with self.reader() as reader:
            yield from reader.batches(after, batch)


def finish_writes(session: Session, *, failed: bool) -> None:
    """At the end of a write transaction: every background write done (and any error raised),
    or, when it failed, the writer stopped — either way before the commit or the rollback."""
    try:
        if not failed:
            session.barrier()
    finally:
        session.close_writer(failed=failed)


__all__ = ["GENESIS", "ChainLink", "Key", "LedgerStore", "NewEvent", "NewKey", "NewPlacement",
           "Row", "Session", "finish_writes"]
