"""The aggregates one batch works on: loaded from the store in bulk, kept in memory while in use.

A national import touches millions of timelines. Once their events are appended (inside the
batch's transaction, so the same session reads them back), the least recently used ones can be
dropped and loaded again if a later line needs them: memory stays bounded, results do not change.

Timelines are keyed by the integer value of their UUID: `UUID.__hash__` is Python code, and a
batch looks timelines up several times per event.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Iterable
from itertools import islice
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Mapper

from ledger.domain.enrolment import Enrolment
from ledger.domain.ids import enrolment_id, programme_id
from ledger.domain.programme import Programme
from ledger.domain.timeline import Timeline
from ledger.storage.session import Session

MAX_TIMELINES = 120_000  # holds a payment round of a national programme between rounds


class Timelines:
    """Programmes and enrolments by id, loaded in bulk through one session."""

    def __init__(self, session: Session, mapper: Mapper[UUID], *, capacity: int = MAX_TIMELINES):
        self.session = session
        self.mapper = mapper
        self.capacity = capacity
        self.by_id: OrderedDict[int, Timeline[Any]] = OrderedDict()
        self.missing: set[int] = set()

    def preload(self, ids: Iterable[UUID]) -> None:
        """Load every not-yet-known timeline among `ids` with one round of queries."""
        by_id, missing = self.by_id, self.missing
        wanted = {i.int: i for i in ids if i.int not in by_id and i.int not in missing}
        if not wanted:
            return
        loaded = self.session.load(wanted.values())
        programmes: set[str] = set()
        for originator_id, stored in loaded.items():
            aggregate: Any = None
            for record in stored:
                event = cast(Timeline.Event, self.mapper.to_domain_event(record))
                aggregate = event.mutate(aggregate)
            by_id[originator_id.int] = aggregate
            if isinstance(aggregate, Enrolment):
                programmes.add(aggregate.programme)
        missing.update(key for key in wanted if key not in by_id)
        self.preload(programme_id(code) for code in programmes)
        for originator_id in loaded:
            timeline = by_id[originator_id.int]
            if isinstance(timeline, Enrolment):
                timeline.bind(self.programme(timeline.programme))

    def get(self, originator_id: UUID) -> Timeline[Any] | None:
        key = originator_id.int
        found = self.by_id.get(key)
        if found is not None:
            self.by_id.move_to_end(key)
        elif key not in self.missing:
            self.preload([originator_id])
            found = self.by_id.get(key)
        return found

    def programme(self, code: str) -> Programme | None:
        found = self.get(programme_id(code))
        return found if isinstance(found, Programme) else None

    def enrolment(self, programme: str, beneficiary: str) -> Enrolment | None:
        found = self.get(enrolment_id(programme, beneficiary))
        return found if isinstance(found, Enrolment) else None

    def enrolments(self, ids: Collection[UUID]) -> list[Enrolment]:
        self.preload(ids)
        found = (self.by_id.get(i.int) for i in sorted(ids))
        return [t for t in found if isinstance(t, Enrolment)]

    def add(self, timeline: Timeline[Any]) -> None:
        key = timeline.id.int
        self.by_id[key] = timeline
        self.missing.discard(key)

    def shrink(self) -> None:
        """Drop the least recently used enrolments beyond capacity (call only when all are saved)."""
        excess = len(self.by_id) - self.capacity
        for key in list(islice(self.by_id, max(excess, 0))):
            if isinstance(self.by_id[key], Enrolment):
                del self.by_id[key]
