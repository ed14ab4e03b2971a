"""The aggregates one batch works on: loaded from the store once, then kept in memory."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Mapper

from ledger.domain.enrolment import Enrolment
from ledger.domain.ids import enrolment_id, programme_id
from ledger.domain.programme import Programme
from ledger.domain.timeline import Timeline
from ledger.storage.session import Session


class Timelines:
    """Programmes and enrolments by id, loaded in bulk through one session."""

    def __init__(self, session: Session, mapper: Mapper[UUID]):
        self.session = session
        self.mapper = mapper
        self.by_id: dict[UUID, Timeline[Any]] = {}
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
        self.preload([originator_id])
        return self.by_id.get(originator_id)

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
