"""The reference model of SPEC §3 (tests only): an aggregate's state is a fold over its timeline.

This is the ledger's first, per-event implementation of the rules, kept as the model the
rulebook (ledger/rules/) is held to: tests/domain/ exercises it rule by rule. Its events are the
ledger's own stored classes (ledger/domain/).

A timeline holds every event an aggregate ever recorded. Its *facts* are the events that are not
retractions and have not been retracted; ordered by ``(effective_date, originator_version)`` —
effective date, ties by recording order — they decide the aggregate's state. A new event is
accepted only if the fold over the facts with it still satisfies every rule, so a back-dated event
that contradicts a later fact is refused and names it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, Self, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.domain import timeline as stored
from ledger.domain.errors import RuleViolation


class Fold(Protocol):
    """Replays facts in timeline order.

    `step` raises RuleViolation before changing anything. `verify` checks what no single step
    can see (e.g. against another aggregate): everything, or only the tail a new last event made.
    """

    def step(self, event: Timeline.Event, *, strict: bool) -> None: ...

    def verify(self, *, tail_only: bool) -> None: ...


FoldT = TypeVar("FoldT", bound=Fold)
EventT = TypeVar("EventT", bound="Timeline.Event")


class Timeline(Aggregate, Generic[FoldT]):
    """An aggregate whose state is the fold over its timeline of facts."""

    Event = stored.Timeline.Event
    EventRetracted = stored.Timeline.EventRetracted

    @classmethod
    def open(cls, id: UUID, timestamp: dt.datetime) -> Self:
        """An empty timeline at version 0, ready for its first event."""
        timeline = cls.__new__(cls)
        timeline.__base_init__(originator_id=id, originator_version=0, timestamp=timestamp)
        timeline._setup()
        timeline._fold = timeline._new_fold()  # nothing to replay yet
        return timeline

    def _setup(self) -> None:
        self._events: list[Timeline.Event] = []
        self._by_event_id: dict[str, Timeline.Event] = {}
        self._retractions: dict[str, Timeline.EventRetracted] = {}
        self._last_effective: dt.date | None = None
        self._fold: FoldT | None = None

    # -- what subclasses provide --------------------------------------------------------------

    def _new_fold(self) -> FoldT:
        raise NotImplementedError

    # -- reading -----------------------------------------------------------------------------

    @property
    def events(self) -> list[Timeline.Event]:
        """Every event in recording order, retractions included."""
        return list(self._events)

    @property
    def last_effective(self) -> dt.date | None:
        """The latest effective date of any event but a retraction (retracted ones included):
        an event on or after it sorts last."""
        return self._last_effective

    def event(self, event_id: str) -> Timeline.Event | None:
        return self._by_event_id.get(event_id)

    def retraction_of(self, event_id: str) -> Timeline.EventRetracted | None:
        return self._retractions.get(event_id)

    def facts(self, *, without: str | None = None) -> list[Timeline.Event]:
        """The unretracted, non-retraction events in timeline order."""
        kept = [
            e
            for e in self._events
            if not isinstance(e, Timeline.EventRetracted)
            and e.event_id not in self._retractions
            and e.event_id != without
        ]
        kept.sort(key=_timeline_order)
        return kept

    @property
    def state(self) -> FoldT:
        """The fold over the current facts (computed once, then kept up to date)."""
        if self._fold is None:
            fold = self._new_fold()
            for event in self.facts():
                fold.step(event, strict=False)
            self._fold = fold
        return self._fold

    # -- recording ---------------------------------------------------------------------------

    def _record(
        self,
        event_class: type[Timeline.Event],
        *,
        check: Callable[[FoldT], None] | None = None,
        **kwargs: Any,
    ) -> Timeline.Event:
        """Create the next event, check the timeline with it (and `check`), then apply it."""
        event = _new_event(event_class, originator_id=self.id,
                           originator_version=self.version + 1, **kwargs)
        try:
            fold = self._fold_with(event)
        except RuleViolation as violation:
            raise _refusal_of(event, violation) from None
        if check is not None:
            try:
                check(fold)
            except RuleViolation as violation:
                self._fold = None
                raise _refusal_of(event, violation) from None
        event.mutate(self)
        self._remember(event)
        self._fold = fold
        self.pending_events.append(event)
        return event

    def _fold_with(self, event: Timeline.Event) -> FoldT:
        if isinstance(event, Timeline.EventRetracted):
            return self._refold(self.facts(without=event.retracts), new=event)
        if self._appends(event):
            # The common case: the event sorts last, so only it needs checking.
            fold = self.state
            fold.step(event, strict=True)
            try:
                fold.verify(tail_only=True)
            except RuleViolation:
                self._fold = None  # the cached fold took the step; rebuild it lazily
                raise
            return fold
        facts = self.facts()
        facts.append(event)
        facts.sort(key=_timeline_order)
        return self._refold(facts, new=event)

    def _appends(self, event: Timeline.Event) -> bool:
        return self._last_effective is None or event.effective_date >= self._last_effective

    def _refold(self, facts: list[Timeline.Event], *, new: Timeline.Event) -> FoldT:
        fold = self._new_fold()
        for fact in facts:
            try:
                fold.step(fact, strict=True)
            except RuleViolation as violation:
                raise _blame(violation, fact, new) from None
        fold.verify(tail_only=False)
        return fold

    def _check_retraction(self, target_id: str) -> Timeline.Event:
        target = self._by_event_id.get(target_id)
        if target is None:
            raise RuleViolation(8, f"no event {target_id!r} to retract", field="retracts")
        if isinstance(target, Timeline.EventRetracted):
            raise RuleViolation(
                8,
                f"event {target_id!r} is itself a retraction; record the fact again instead",
                field="retracts",
            )
        earlier = self._retractions.get(target_id)
        if earlier is not None:
            raise RuleViolation(
                8,
                f"event {target_id!r} is already retracted",
                field="retracts",
                contradicts=earlier.event_id,
            )
        return target

    def _remember(self, event: Timeline.Event) -> None:
        self._events.append(event)
        self._by_event_id[event.event_id] = event
        if isinstance(event, Timeline.EventRetracted):
            self._retractions[event.retracts] = event
        elif self._last_effective is None or event.effective_date > self._last_effective:
            self._last_effective = event.effective_date
        self._fold = None


@dataclass(frozen=True, slots=True)
class Meta:
    """What every event carries besides its own fields."""

    event_id: str
    effective_date: dt.date
    operator: str
    note: str | None
    timestamp: dt.datetime

    def fields(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "effective_date": self.effective_date,
            "operator": self.operator,
            "note": self.note,
            "timestamp": self.timestamp,
        }


def _new_event(event_class: type[EventT], **values: Any) -> EventT:
    """Build a frozen event the way the library's mapper rebuilds a stored one.

    The dataclass `__init__` sets each field through `object.__setattr__`, which costs more than
    all the rule checks of a typical event; the fields are still taken in declaration order and
    every one must be given — but who recorded it, which the rules never read (the store
    stamps it), is unknown unless given.
    """
    values = {**_UNPROVEN, **values}
    event = object.__new__(event_class)
    object.__setattr__(
        event, "__dict__", {name: values[name] for name in event_class.__dataclass_fields__}
    )
    return event


_UNPROVEN = dict.fromkeys(("recorded_by", "appended_at", "appended_by"))


def _timeline_order(event: Timeline.Event) -> tuple[dt.date, int]:
    return (event.effective_date, event.originator_version)


def _blame(violation: RuleViolation, fact: Timeline.Event, new: Timeline.Event) -> RuleViolation:
    """Say which recorded fact a back-dated event would contradict (or a retraction undo).

    The recorded fact that no longer holds is the one contradicted, even when its own check
    names another event (often the new one itself, e.g. "already covered since <new date>").
    """
    if fact is new:
        return violation
    named = f"{event_name(fact)} {fact.event_id!r} effective {fact.effective_date.isoformat()}"
    said = (f"{named} would no longer hold" if isinstance(new, Timeline.EventRetracted)
            else f"it would contradict {named}")
    return RuleViolation(
        violation.rule,
        f"{said}: {violation.message}",
        field="effective_date",
        contradicts=fact.event_id,
    )


def _refusal_of(event: Timeline.Event, violation: RuleViolation) -> RuleViolation:
    """A retraction is refused under rule 8, on its `retracts` field, whatever rule the
    timeline without its target would break."""
    if not isinstance(event, Timeline.EventRetracted) or violation.rule == 8:
        return violation
    return RuleViolation(
        8,
        f"without {event.retracts!r} the timeline breaks rule {violation.rule}: "
        f"{violation.message}",
        field="retracts",
        contradicts=violation.contradicts,
    )


event_name = stored.event_name
