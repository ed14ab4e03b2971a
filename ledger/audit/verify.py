"""`verify`: recompute the integrity chain over the stored events and name what does not match.

Each stored event's chain link is ``sha256(previous link, position, version, originator, topic,
state)``, written in the same transaction as the event (ledger/storage/chain.py). Walking the
events and the links together in position order, a position is damaged when

- **altered**: both are there but the recomputed link differs (the event's bytes or its link
  were changed);
- **reordered**: as altered, but the event that belongs at this position is stored at another
  one (rows swapped or shuffled);
- **deleted**: the chain has a link but the event is gone, or events and links are both gone
  (the ledger never leaves a gap in positions);
- **inserted**: an event is stored with no link in the chain (written behind the ledger's back).

After the first damaged position each link is still checked against the stored link before it,
so every damaged position is counted, not just the first.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

from ledger.storage.chain import GENESIS, link
from ledger.storage.session import ChainLink, LedgerStore, Row

BATCH = 50_000
LOOKAHEAD = 5_000  # rows searched for an event that was moved away from a damaged position
MAX_REPORTED = 20  # damaged positions described in full; all of them are counted

Kind = Literal["altered", "deleted", "inserted", "reordered"]


@dataclass(frozen=True, slots=True)
class Damage:
    """One position where the stored events and the chain disagree."""

    position: int
    kind: Kind
    detail: str


@dataclass(frozen=True, slots=True)
class Verification:
    """What `verify` found: how much it checked, the chain head, and any damage."""

    events: int
    head: ChainLink | None
    damaged: int = 0
    damage: tuple[Damage, ...] = ()
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.damaged == 0

    @property
    def first(self) -> Damage | None:
        return self.damage[0] if self.damage else None


@dataclass
class _Walk:
    """The running state of one verification."""

    store: LedgerStore
    previous: bytes = GENESIS
    last_link: int = 0  # position of the last chain link walked past
    last_event: int = 0  # position of the last stored event walked past
    events: int = 0
    head: ChainLink | None = None
    damaged: int = 0
    damage: list[Damage] = field(default_factory=list)
    moved: dict[int, tuple[int, Row]] = field(default_factory=dict)

    def report(self, position: int, kind: Kind, detail: str) -> None:
        self.damaged += 1
        if len(self.damage) < MAX_REPORTED:
            self.damage.append(Damage(position, kind, detail))

    def check_event(self, row: Row, stored: ChainLink) -> None:
        position = row[0]
        self.events += 1
        if _link(self.previous, row, position) != stored.digest:
            if self.last_link + 1 == position:
                self._mismatch(row, stored)
            elif self.last_event <= self.last_link:
                # Neither events nor links between: both were deleted (the ledger leaves no gaps).
                self.report(self.last_link + 1, "deleted", _gone(self.last_link + 1, position - 1))
            # else: events with no links lie between, already reported as inserted; the link
            # before this one is missing, so this position cannot be judged on its own.
        self.last_event = position
        self._advance(stored)

    def check_orphan_link(self, stored: ChainLink) -> None:
        self.report(stored.position, "deleted",
                    "the chain has a link at this position but the event is gone")
        self._advance(stored)

    def check_orphan_event(self, row: Row) -> None:
        self.events += 1
        self.report(row[0], "inserted", "an event is stored here with no link in the chain")
        self.last_event = row[0]

    def _advance(self, stored: ChainLink) -> None:
        # Continue from the stored link, so each later position is judged on its own.
        self.previous = stored.digest
        self.last_link = stored.position
        self.head = stored

    def _mismatch(self, row: Row, stored: ChainLink) -> None:
        position = row[0]
        if position in self.moved:
            origin, moved_row = self.moved.pop(position)
            if _link(self.previous, moved_row, position) == stored.digest:
                detail = f"swapped with position {origin}"
            else:
                detail = f"holds the event that belongs at position {origin}"
            self.report(position, "reordered", detail)
            return
        if len(self.damage) < MAX_REPORTED:
            found = self._find_moved(row, stored)
            if found is not None:
                self.moved[found[0]] = (position, row)
                self.report(position, "reordered",
                            f"the event that belongs here is stored at position {found[0]}")
                return
        self.report(position, "altered",
                    "the stored event (or its chain link) is not what was recorded")

    def _find_moved(self, row: Row, stored: ChainLink) -> Row | None:
        """The later row whose content links at this position, if one was moved from here."""
        for candidate in self.store.read_rows(row[0], LOOKAHEAD):
            if _link(self.previous, candidate, row[0]) == stored.digest:
                return candidate
        return None


def verify(store: LedgerStore, *, batch: int = BATCH) -> Verification:
    """Recompute the chain over every stored event and compare it with the stored links.

    Safe while others append: positions up to the highest one stored when it starts are
    checked (each event and its link are committed together, so that prefix is stable).
    """
    started = time.perf_counter()
    end = store.max_position()
    walk = _Walk(store)
    rows = _rows(store, end, batch)
    links = _links(store, end, batch)
    row = next(rows, None)
    stored = next(links, None)
    while row is not None or stored is not None:
        if stored is None or (row is not None and row[0] < stored.position):
            assert row is not None
            walk.check_orphan_event(row)
            row = next(rows, None)
        elif row is None or stored.position < row[0]:
            walk.check_orphan_link(stored)
            stored = next(links, None)
        else:
            walk.check_event(row, stored)
            row = next(rows, None)
            stored = next(links, None)
    _check_tail(store, end, walk)
    return Verification(
        events=walk.events,
        head=walk.head,
        damaged=walk.damaged,
        damage=tuple(walk.damage),
        seconds=time.perf_counter() - started,
    )


def _check_tail(store: LedgerStore, end: int, walk: _Walk) -> None:
    """Links after the last stored event: a deleted last event leaves its link behind."""
    beyond = store.read_chain(end, 1)  # read before the rows: a link implies its row was there
    if not beyond:
        return
    following = store.read_rows(end, 1)
    position = beyond[0].position
    if not following or following[0][0] > position:
        walk.check_orphan_link(beyond[0])


def link_at(store: LedgerStore, position: int) -> ChainLink | None:
    """The stored chain link at `position`, if there is one."""
    found = store.read_chain(position - 1, 1)
    return found[0] if found and found[0].position == position else None


def _rows(store: LedgerStore, end: int, batch: int) -> Iterator[Row]:
    after = 0
    while after < end:
        chunk = store.read_rows(after, batch)
        for row in chunk:
            if row[0] > end:
                return
            yield row
        if len(chunk) < batch:
            return
        after = chunk[-1][0]


def _links(store: LedgerStore, end: int, batch: int) -> Iterator[ChainLink]:
    after = 0
    while after < end:
        chunk = store.read_chain(after, batch)
        for stored in chunk:
            if stored.position > end:
                return
            yield stored
        if len(chunk) < batch:
            return
        after = chunk[-1].position


def _link(previous: bytes, row: Row, position: int) -> bytes:
    """The link `row`'s content would have at `position` after `previous`."""
    _, originator_id, version, topic, state = row
    return link(previous, position, UUID(hex=originator_id), version, topic, bytes(state))


def _gone(first: int, last: int) -> str:
    where = f"position {first}" if first == last else f"positions {first}–{last}"
    return f"the events and chain links at {where} are gone"
