"""The timelines one batch works on: programmes whole, enrolments as tails, whole on demand.

A national import touches millions of enrolments. Most of their new events sort last and are
checked against the enrolment's tail (ledger/domain/tail.py), which a batch keeps for every
enrolment it touches, found by programme code and beneficiary id (no UUID to compute). Anything
else — a back-dated event, a retraction, a reversal, a withdrawal's occupants — needs the whole
aggregate: it is rebuilt from the stored rows (the batch's transaction reads what it has written)
plus the rows of this batch not written yet, and kept in a small LRU while it is consistent with
what the batch staged.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Collection, Iterable
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from ledger.domain.enrolment import Enrolment
from ledger.domain.ids import enrolment_id, programme_id
from ledger.domain.programme import Programme
from ledger.domain.tail import EnrolmentTail
from ledger.domain.timeline import Timeline
from ledger.storage.session import NewEvent, Session

WHOLE_CAPACITY = 20_000  # whole enrolments kept for the slow lane
TAIL_CAPACITY = 4_000_000  # tails kept; beyond, the oldest are dropped and rebuilt if needed


class Timelines:
    """Programmes and enrolments of one batch, loaded in bulk through its session."""

    def __init__(self, session: Session, mapper: Mapper[UUID]):
        self.session = session
        self.mapper = mapper
        self.whole_capacity = WHOLE_CAPACITY
        self.tail_capacity = TAIL_CAPACITY
        self.programmes: dict[str, Programme | None] = {}  # by code; None: not registered
        # programme code -> beneficiary -> its tail (None: never enrolled in that programme)
        self.tails: dict[str, dict[str, EnrolmentTail | None]] = {}
        self.whole: OrderedDict[int, Enrolment] = OrderedDict()
        self.absent: set[int] = set()  # ids (as integers) with no events at all
        # True while every timeline with events is known here: the store held none when the
        # batch took the write lock, and no tail has been dropped since. Then a programme or an
        # enrolment never seen in this batch has no events anywhere, and the store is not asked.
        self.all_known = False
        # Staged events not yet known to be written, by timeline, for two windows: the one being
        # checked and the one before it (appended in the background meanwhile). The batch adds
        # each event it stages to `unwritten`.
        self.unwritten: dict[int, list[NewEvent]] = {}
        self.unwritten_before: dict[int, list[NewEvent]] = {}

    # -- loading -----------------------------------------------------------------------------

    def knows(self, programme: str, beneficiary: str) -> bool:
        by_beneficiary = self.tails.get(programme)
        return by_beneficiary is not None and beneficiary in by_beneficiary

    def slow_lane_likely(self, programme: str, beneficiary: str, event: str,
                         day: dt.date) -> bool:
        """Whether this fact will need the whole enrolment (as its tail stands now): it would
        not sort last, or the beneficiary is not in the state the event needs."""
        tail = self.tails[programme][beneficiary]
        if tail is None:
            return False  # never enrolled: an enrolment opens it, anything else is refused
        if not tail.appends(day):
            return True
        return (tail.district is not None) == (event == "BeneficiaryEnrolled")

    def preload(self, programmes: Iterable[str], enrolments: Iterable[tuple[str, str]],
                others: Iterable[UUID] = ()) -> None:
        """Load the programmes, enrolments (by programme and beneficiary) and other timelines
        not known yet, with one round of queries."""
        codes = [c for c in set(programmes) if c not in self.programmes]
        pairs = [pair for pair in set(enrolments) if not self.knows(*pair)]
        if self.all_known:
            wanted: set[UUID] = set()
        else:
            wanted = {programme_id(c) for c in codes} | {enrolment_id(*pair) for pair in pairs}
        wanted |= {i for i in others if i.int not in self.absent and i.int not in self.whole}
        if wanted:
            self._materialise(wanted)
        for code in codes:
            self.programmes.setdefault(code, None)
        for programme, beneficiary in pairs:
            self.tails.setdefault(programme, {}).setdefault(beneficiary, None)

    def _materialise(self, ids: Collection[UUID]) -> dict[int, Timeline[Any]]:
        """Rebuild whole timelines from their stored rows and this batch's unwritten ones.

        A timeline the batch itself opened recently has all its rows in memory: the store is
        not asked (asking waits for the write in the background).
        """
        unwritten = {
            i.int: [row for generation in (self.unwritten_before, self.unwritten)
                    for row in generation.get(i.int, ())]
            for i in ids
        }
        in_store = [i for i in ids if not unwritten[i.int] or unwritten[i.int][0][1] != 1]
        loaded = self.session.load(in_store) if in_store else {}
        rebuilt: dict[int, Timeline[Any]] = {}
        enrolments: list[Enrolment] = []
        for originator_id in ids:
            key = originator_id.int
            stored = loaded.get(originator_id, [])
            newest = stored[-1].originator_version if stored else 0
            for _, version, topic, state in unwritten[key]:
                if version > newest:
                    stored.append(StoredEvent(originator_id, version, topic, state))
                    newest = version
            if not stored:
                self.absent.add(key)
                continue
            aggregate: Any = None
            for record in stored:
                event = cast(Timeline.Event, self.mapper.to_domain_event(record))
                aggregate = event.mutate(aggregate)
            rebuilt[key] = aggregate
            self.absent.discard(key)
            if isinstance(aggregate, Programme):
                self.programmes[aggregate.code] = aggregate
            elif isinstance(aggregate, Enrolment):
                enrolments.append(aggregate)
        missing = {e.programme for e in enrolments} - self.programmes.keys()
        if missing:
            self.preload(missing, ())
        for enrolment in enrolments:
            enrolment.bind(self.programmes.get(enrolment.programme))
            self.keep_whole(enrolment)
        return rebuilt

    # -- finding -----------------------------------------------------------------------------

    def programme(self, code: str) -> Programme | None:
        try:
            return self.programmes[code]
        except KeyError:
            self.preload([code], ())
            return self.programmes[code]

    def tail(self, programme: str, beneficiary: str) -> EnrolmentTail | None:
        """The tail of an enrolment (None if the beneficiary was never enrolled in it)."""
        by_beneficiary = self.tails.get(programme)
        if by_beneficiary is not None:
            try:
                return by_beneficiary[beneficiary]
            except KeyError:
                pass
        self.preload((), [(programme, beneficiary)])
        return self.tails[programme][beneficiary]

    def enrolment(self, programme: str, beneficiary: str) -> Enrolment | None:
        """The whole enrolment (None if the beneficiary was never enrolled in it)."""
        if self.knows(programme, beneficiary) and self.tails[programme][beneficiary] is None:
            return None
        found = self.get(enrolment_id(programme, beneficiary))
        return found if isinstance(found, Enrolment) else None

    def get(self, originator_id: UUID) -> Timeline[Any] | None:
        """A whole timeline, programme or enrolment."""
        key = originator_id.int
        whole = self.whole.get(key)
        if whole is not None:
            if self._caught_up(whole):
                self.whole.move_to_end(key)
                return whole
            del self.whole[key]
        if key in self.absent:
            return None
        for programme in self.programmes.values():
            if programme is not None and programme.id.int == key:
                return programme
        return self._materialise([originator_id]).get(key)

    def enrolments(self, ids: Collection[UUID]) -> list[Enrolment]:
        """Whole enrolments, in id order (all of them, however many the LRU keeps)."""
        found: dict[int, Timeline[Any]] = {}
        missing: list[UUID] = []
        for originator_id in ids:
            whole = self.whole.get(originator_id.int)
            if whole is not None and self._caught_up(whole):
                found[originator_id.int] = whole
            elif originator_id.int not in self.absent:
                missing.append(originator_id)
        if missing:
            found.update(self._materialise(missing))
        ordered = (found.get(i.int) for i in sorted(ids))
        return [e for e in ordered if isinstance(e, Enrolment)]

    # -- keeping up with what the batch stages -------------------------------------------------

    def add(self, timeline: Timeline[Any]) -> None:
        """A timeline the slow lane has just opened."""
        self.absent.discard(timeline.id.int)
        if isinstance(timeline, Programme):
            self.programmes[timeline.code] = timeline
        elif isinstance(timeline, Enrolment):
            self.keep_whole(timeline)

    def add_tail(self, tail: EnrolmentTail) -> None:
        """An enrolment the fast lane has just opened."""
        self.absent.discard(tail.key)
        self.tails.setdefault(tail.programme, {})[tail.beneficiary] = tail

    def keep_whole(self, enrolment: Enrolment) -> None:
        """A whole enrolment as it now stands; its tail follows it."""
        key = enrolment.id.int
        self.tails.setdefault(enrolment.programme, {})[enrolment.beneficiary] = \
            EnrolmentTail.of(enrolment)
        self.whole[key] = enrolment
        self.whole.move_to_end(key)
        if len(self.whole) > self.whole_capacity:
            self.whole.popitem(last=False)

    def _caught_up(self, whole: Enrolment) -> bool:
        """Bring a kept whole enrolment up to its tail with the events the fast lane has staged
        since (still in memory), or say it cannot: then it is rebuilt from the store."""
        tail = self.tails.get(whole.programme, {}).get(whole.beneficiary)
        if tail is None:
            return False
        if tail.version == whole.version:
            return True
        key = whole.id.int
        rows = [row for generation in (self.unwritten_before, self.unwritten)
                for row in generation.get(key, ()) if row[1] > whole.version]
        if [row[1] for row in rows] != list(range(whole.version + 1, tail.version + 1)):
            return False
        for _, version, topic, state in rows:
            event = cast(Timeline.Event,
                         self.mapper.to_domain_event(StoredEvent(whole.id, version, topic, state)))
            event.mutate(whole)
        return True

    def next_window(self) -> None:
        """The window before the last is written: forget its rows, and tails beyond capacity."""
        self.unwritten_before = self.unwritten
        self.unwritten = {}
        count = sum(len(by_beneficiary) for by_beneficiary in self.tails.values())
        if count > self.tail_capacity:
            # The oldest half of each programme's: any of them is rebuilt if it is needed again.
            for by_beneficiary in self.tails.values():
                for beneficiary in list(by_beneficiary)[: len(by_beneficiary) // 2]:
                    del by_beneficiary[beneficiary]
            self.whole.clear()
            self.all_known = False
