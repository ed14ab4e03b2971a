"""The aggregates one batch works on: loaded from the store in bulk, kept in memory while in use.

A national import touches millions of timelines. Once their events are appended (inside the
batch's transaction, so the same session reads them back), the least recently used ones can be
dropped and loaded again if a later line needs them: memory stays bounded, results do not change.
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


MAX_TIMELINES = 200_000


class Timelines:
    """Programmes and enrolments by id, loaded in bulk through one session."""

    def __init__(self, session: Session, mapper: Mapper[UUID], *, capacity: int = MAX_TIMELINES):
        self.session = session
        self.mapper = mapper
        self.capacity = capacity
        self.by_id: OrderedDict[UUID, Timeline[Any]] = OrderedDict()
        self.missing: set[UUID] = set()

    def preload(self, ids: Iterable[UUID]) -> None:
        """Load every not-yet-known timeline among `ids` with one round of queries."""
        wanted = {i for i in ids if i not in self.by_id and i not in self.missing}
        if not wanted:
            return
        loaded = self.session.load(wanted)
        programmes: set[str] = set()
        for originator_id, stored in loaded.items():
            aggregate: Any = None
            for record in stored:
                event = cast(Timeline.Event, self.mapper.to_domain_event(record))
                aggregate = event.mutate(aggregate)
            self.by_id[originator_id] = aggregate
            if isinstance(aggregate, Enrolment):
                programmes.add(aggregate.programme)
        self.missing |= wanted - set(loaded)
        self.preload(programme_id(code) for code in programmes)
        for originator_id in loaded:
            timeline = self.by_id[originator_id]
            if isinstance(timeline, Enrolment):
                timeline.bind(self.programme(timeline.programme))

    def get(self, originator_id: UUID) -> Timeline[Any] | None:
        found = self.by_id.get(originator_id)
        if found is not None:
            self.by_id.move_to_end(originator_id)
        elif originator_id not in self.missing:
            self.preload([originator_id])
            found = self.by_id.get(originator_id)
        return found

    def programme(self, code: str) -> Programme | None:
        found = self.get(programme_id(code))
        return found if isinstance(found, Programme) else None

    def enrolment(self, programme: str, beneficiary: str) -> Enrolment | None:
        found = self.get(enrolment_id(programme, beneficiary))
        return found if isinstance(found, Enrolment) else None

    def enrolments(self, ids: Collection[UUID]) -> list[Enrolment]:
        self.preload(ids)
        return [t for i in sorted(ids) if isinstance(t := self.by_id.get(i), Enrolment)]

    def add(self, timeline: Timeline[Any]) -> None:
        self.by_id[timeline.id] = timeline
        self.missing.discard(timeline.id)

    def shrink(self) -> None:
        """Drop the least recently used enrolments beyond capacity (call only when all are saved)."""
        excess = len(self.by_id) - self.capacity
        for originator_id in list(islice(self.by_id, max(excess, 0))):
            if isinstance(self.by_id[originator_id], Enrolment):
                del self.by_id[originator_id]
