"""`verify`: recompute the integrity chain over the stored events and name what does not match.

Each stored event's chain link is ``sha256(previous link, position, version, originator, topic,
state)``, written in the same transaction as the event (ledger/storage/chain.py). `verify` reads
events joined with their links in large batches (the next batch is read while this one is
hashed); while positions run on without a gap, each event's link is recomputed and compared in a
tight loop. Where they do not, a careful walk in position order over the events and the links
says what happened (see ledger/audit/damage.py).

Beside the chain, the side tables the write path trusts (`ledger_keys`, `ledger_placements`) are
recomputed from the events in the store's own SQL, on a second thread while the chain is walked
(see ledger/audit/sidetables.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from ledger.audit.damage import Damage, Walk
from ledger.audit.sidetables import SideTable, check_side_tables
from ledger.storage.reader import Chained, ChainLink, Reader, Row
from ledger.storage.session import LedgerStore

BATCH = 100_000
TAIL = 1_000  # links past the last event looked at for deleted last events

__all__ = ["BATCH", "Damage", "Verification", "link_at", "verify"]

@dataclass(frozen=True, slots=True)
class Verification:
    """What `verify` found: how much it checked, the chain head, and any damage."""

    events: int
    head: ChainLink | None
    damaged: int = 0
    damage: tuple[Damage, ...] = ()
    seconds: float = 0.0
    tables: tuple[SideTable, ...] = ()

    @property
    def ok(self) -> bool:
        return self.damaged == 0 and self.tables_ok

    @property
    def tables_ok(self) -> bool:
        return all(t.ok for t in self.tables)

    @property
    def first(self) -> Damage | None:
        return self.damage[0] if self.damage else None


def verify(store: LedgerStore, *, batch: int = BATCH) -> Verification:
    """Recompute the chain over every stored event and compare it with the stored links.

    Safe while others append: the positions up to the highest one stored when it starts are
    checked (each event and its link are committed together, so that prefix is stable).
    """
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify-tables") as beside:
        tables = beside.submit(check_side_tables, store)
        end = store.max_position()
        with store.reader() as reader:
            walk = Walk(store)  # it looks for moved events with reads of its own
            checked = _aligned_prefix(reader, end, batch, walk)
            if checked < end:
                _careful(reader, checked, end, batch, walk)
            _check_tail(reader, end, walk)
        found = tables.result()
    return Verification(
        events=walk.events,
        head=walk.head,
        damaged=walk.damaged,
        damage=tuple(walk.damage),
        seconds=time.perf_counter() - started,
        tables=found,
    )


def link_at(store: LedgerStore, position: int) -> ChainLink | None:
    """The stored chain link at `position`, if there is one."""
    found = store.read_chain(position - 1, 1)
    return found[0] if found and found[0].position == position else None


def _aligned_prefix(reader: Reader, end: int, batch: int, walk: Walk) -> int:
    """Check batch after batch while the events' positions run on without a gap; return the
    last position checked (`end` when there was no gap)."""
    after = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify-read") as ahead:
        pending: Future[list[Chained]] | None = ahead.submit(_window, reader, 0, end, batch)
        while pending is not None:
            rows = pending.result()
            if not rows:
                return end
            if rows[0][0] != after + 1 or rows[-1][0] != after + len(rows):
                return after  # a gap: events (and maybe links) are missing
            last = rows[-1][0]
            full = len(rows) == batch and last < end
            pending = ahead.submit(_window, reader, last, end, batch) if full else None
            walk.window(rows)
            after = last
    return end


def _window(reader: Reader, after: int, end: int, batch: int) -> list[Chained]:
    rows = reader.chained(after, batch)
    if rows and rows[-1][0] > end:
        rows = [r for r in rows if r[0] <= end]
    return rows


def _careful(reader: Reader, after: int, end: int, batch: int, walk: Walk) -> None:
    """Walk events and links one position at a time, naming each disagreement."""
    rows = _rows(reader, after, end, batch)
    links = _links(reader, after, end, batch)
    row = next(rows, None)
    stored = next(links, None)
    while row is not None or stored is not None:
        if stored is None or (row is not None and row[0] < stored.position):
            assert row is not None
            walk.orphan_event(row)
            row = next(rows, None)
        elif row is None or stored.position < row[0]:
            walk.orphan_link(stored)
            stored = next(links, None)
        else:
            walk.event(row, stored)
            row = next(rows, None)
            stored = next(links, None)


def _check_tail(reader: Reader, end: int, walk: Walk) -> None:
    """Links after the last stored event: deleted last events leave their links behind."""
    beyond = reader.links(end, TAIL)  # read before the rows: a link implies its row was there
    if not beyond:
        return
    following = reader.rows(end, 1)
    first_row = following[0][0] if following else None
    for stored in beyond:
        if first_row is not None and stored.position >= first_row:
            return  # appended since `verify` started, with its event
        walk.orphan_link(stored)


def _rows(reader: Reader, after: int, end: int, batch: int) -> Iterator[Row]:
    while after < end:
        chunk = reader.rows(after, batch)
        for row in chunk:
            if row[0] > end:
                return
            yield row
        if len(chunk) < batch:
            return
        after = chunk[-1][0]


def _links(reader: Reader, after: int, end: int, batch: int) -> Iterator[ChainLink]:
    while after < end:
        chunk = reader.links(after, batch)
        for stored in chunk:
            if stored.position > end:
                return
            yield stored
        if len(chunk) < batch:
            return
        after = chunk[-1].position
