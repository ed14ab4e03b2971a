"""The reference model's programme (tests only): its registration and the districts it covers, over time."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reference.timeline import Meta, Timeline

from ledger.domain import programme as stored
from ledger.domain.errors import RuleViolation
from ledger.domain.ids import programme_id
from ledger.domain.programme import BENEFITS, DEFAULT_CURRENCY

if TYPE_CHECKING:
    from reference.enrolment import Enrolment



@dataclass
class Spell:
    """A district covered from `start` (inclusive) to `end` (exclusive; None while still covered)."""

    start: dt.date
    expanded_by: str
    end: dt.date | None = None
    withdrawn_by: str | None = None

    def holds(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass
class Coverage:
    """One district's spells of coverage, in timeline order."""

    spells: list[Spell] = field(default_factory=list)

    @property
    def open(self) -> Spell | None:
        if self.spells and self.spells[-1].end is None:
            return self.spells[-1]
        return None

    def on(self, day: dt.date) -> Spell | None:
        """The spell covering `day` (day-granular: the state after that day's events)."""
        i = bisect.bisect_right(self.spells, day, key=_start)
        while i > 0:
            spell = self.spells[i - 1]
            if spell.holds(day):
                return spell
            if spell.end is not None and spell.end <= day:
                return None
            i -= 1
        return None

    def last_closed_before(self, day: dt.date) -> Spell | None:
        closed = [s for s in self.spells if s.end is not None and s.end <= day]
        return closed[-1] if closed else None


def _start(spell: Spell) -> dt.date:
    return spell.start


class ProgrammeFold:
    """Registration and coverage after the programme's facts, in timeline order."""

    def __init__(self) -> None:
        self.registration: Programme.ProgrammeRegistered | None = None
        self.coverage: dict[str, Coverage] = {}

    def step(self, event: Timeline.Event, *, strict: bool) -> None:
        if isinstance(event, Programme.ProgrammeRegistered):
            if strict and self.registration is not None:
                raise RuleViolation(
                    1,
                    f"programme {event.programme!r} is already registered",
                    field="programme",
                    contradicts=self.registration.event_id,
                )
            self.registration = event
            return
        if strict and self.registration is None:
            raise RuleViolation(
                1,
                f"the programme is not registered on {event.effective_date.isoformat()}",
                field="effective_date",
            )
        if isinstance(event, Programme.DistrictExpanded):
            self._expand(event, strict=strict)
        elif isinstance(event, Programme.DistrictWithdrawn):
            self._withdraw(event, strict=strict)

    def _expand(self, event: Programme.DistrictExpanded, *, strict: bool) -> None:
        coverage = self.coverage.setdefault(event.district, Coverage())
        spell = coverage.open
        if spell is not None:
            if strict:
                raise RuleViolation(
                    2,
                    f"district {event.district} is already covered since {spell.start.isoformat()}",
                    field="district",
                    contradicts=spell.expanded_by,
                )
            return
        coverage.spells.append(Spell(event.effective_date, event.event_id))

    def _withdraw(self, event: Programme.DistrictWithdrawn, *, strict: bool) -> None:
        coverage = self.coverage.get(event.district)
        spell = coverage.open if coverage else None
        if spell is None:
            if strict:
                raise RuleViolation(
                    2,
                    f"district {event.district} is not covered on {event.effective_date.isoformat()}",
                    field="district",
                )
            return
        spell.end = event.effective_date
        spell.withdrawn_by = event.event_id

    def verify(self, *, tail_only: bool) -> None:
        """Nothing beyond the steps: the programme's own rules are all sequential."""

    # -- questions enrolments ask -----------------------------------------------------------

    def registered_on(self, day: dt.date) -> bool:
        return self.registration is not None and self.registration.effective_date <= day

    def spell_on(self, district: str, day: dt.date) -> Spell | None:
        coverage = self.coverage.get(district)
        return coverage.on(day) if coverage else None

    def covered_during(self, district: str, day: dt.date) -> bool:
        """Covered at some moment of `day`: after that day's facts, or until a withdrawal on it.

        A programme's and an enrolment's facts of one day are ordered only within each timeline,
        so a beneficiary who arrives and leaves on the day a district is withdrawn (a presence
        of no length) is not refused; any longer presence must be covered by `spell_on`.
        """
        coverage = self.coverage.get(district)
        return coverage is not None and any(
            spell.start <= day and (spell.end is None or day <= spell.end)
            for spell in coverage.spells
        )

    def districts_covered_on(self, day: dt.date) -> list[str]:
        return sorted(d for d, c in self.coverage.items() if c.on(day) is not None)


class Programme(Timeline[ProgrammeFold]):
    """A social-protection programme and the districts it covers, over time."""

    ProgrammeRegistered = stored.Programme.ProgrammeRegistered
    DistrictExpanded = stored.Programme.DistrictExpanded
    DistrictWithdrawn = stored.Programme.DistrictWithdrawn
    EventRetracted = stored.Programme.EventRetracted

    def _new_fold(self) -> ProgrammeFold:
        return ProgrammeFold()

    def _appends(self, event: Timeline.Event) -> bool:
        # Programme timelines are short; a full refold keeps the occupant checks simple.
        return False

    # -- reading ------------------------------------------------------------------------------

    @property
    def code(self) -> str:
        return self._code

    @property
    def registration(self) -> ProgrammeRegistered | None:
        return self.state.registration

    @property
    def benefit(self) -> str | None:
        registration = self.registration
        return registration.benefit if registration else None

    @property
    def currency(self) -> str | None:
        registration = self.registration
        return registration.currency if registration else None

    # -- commands -----------------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        programme: str,
        name: str,
        benefit: str,
        currency: str | None,
        meta: Meta,
    ) -> Programme:
        """Open a new programme's timeline with its registration."""
        if benefit not in BENEFITS:
            raise RuleViolation(1, f"benefit must be one of {', '.join(BENEFITS)}", field="benefit")
        if benefit == "in-kind" and currency is not None:
            raise RuleViolation(6, "an in-kind programme has no currency", field="currency")
        if benefit == "cash" and currency is None:
            currency = DEFAULT_CURRENCY
        timeline = cls.open(programme_id(programme), meta.timestamp)
        timeline.add_registration(programme=programme, name=name, benefit=benefit,
                                  currency=currency, meta=meta)
        return timeline

    def add_registration(
        self, *, programme: str, name: str, benefit: str, currency: str | None, meta: Meta
    ) -> Timeline.Event:
        if self.version > 0:
            raise RuleViolation(
                1,
                f"programme code {programme!r} is taken (codes are never reused)",
                field="programme",
                contradicts=self._events[0].event_id,
            )
        return self._record(
            self.ProgrammeRegistered,
            programme=programme,
            name=name,
            benefit=benefit,
            currency=currency,
            **meta.fields(),
        )

    def expand(self, district: str, meta: Meta) -> Timeline.Event:
        return self._record(
            self.DistrictExpanded, programme=self.code, district=district, **meta.fields()
        )

    def withdraw(self, district: str, meta: Meta, occupants: Iterable[Enrolment]) -> Timeline.Event:
        return self._record(
            self.DistrictWithdrawn,
            check=_occupants_stay_covered(occupants, {district}),
            programme=self.code,
            district=district,
            **meta.fields(),
        )

    def retract(
        self, event_id: str, reason: str, meta: Meta, occupants: Iterable[Enrolment]
    ) -> Timeline.Event:
        target = self._check_retraction(event_id)
        if isinstance(target, Programme.ProgrammeRegistered):
            check = _no_enrolments(list(occupants))
        else:
            district = getattr(target, "district", None)
            check = _occupants_stay_covered(occupants, {district} if district else set())
        return self._record(
            self.EventRetracted,
            check=check,
            programme=self.code,
            retracts=event_id,
            reason=reason,
            **meta.fields(),
        )

    def _remember(self, event: Timeline.Event) -> None:
        if isinstance(event, Programme.ProgrammeRegistered):
            self._code = event.programme
        super()._remember(event)


def _occupants_stay_covered(
    occupants: Iterable[Enrolment], districts: set[str]
) -> Callable[[ProgrammeFold], None]:
    def check(fold: ProgrammeFold) -> None:
        for enrolment in occupants:
            enrolment.state.check_presence(fold, districts)

    return check


def _no_enrolments(enrolments: list[Enrolment]) -> Callable[[ProgrammeFold], None]:
    def check(fold: ProgrammeFold) -> None:
        for enrolment in enrolments:
            facts = enrolment.facts()
            if facts:
                raise RuleViolation(
                    1,
                    "the programme has recorded enrolments; retract them first",
                    field="retracts",
                    contradicts=facts[0].event_id,
                )
    return check
