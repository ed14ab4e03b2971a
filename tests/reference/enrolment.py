"""The reference model's enrolment (tests only): one beneficiary in one programme — episodes,
transfers, exits, payments, reversals."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from reference.programme import Programme, ProgrammeFold
from reference.timeline import Meta, Timeline

from ledger.domain import enrolment as stored
from ledger.domain.errors import RuleViolation
from ledger.domain.ids import enrolment_id


@dataclass
class Presence:
    """The beneficiary active in `district` from `start` to `end` (exclusive; None while active)."""

    district: str
    start: dt.date
    entered_by: str
    end: dt.date | None = None

    def is_empty(self) -> bool:
        return self.end is not None and self.end <= self.start


class EnrolmentFold:
    """Episodes and payments after the enrolment's facts, in timeline order."""

    def __init__(self, programme: Programme | None) -> None:
        self.programme = programme
        self.active: Enrolment.Event | None = None  # the event that made the beneficiary active
        self.district: str | None = None
        self.presence: list[Presence] = []
        self.payments: dict[str, Enrolment.PaymentRecorded] = {}
        self.reversals: dict[str, Enrolment.PaymentReversed] = {}
        self.beneficiary: str | None = None

    def step(self, event: Timeline.Event, *, strict: bool) -> None:
        if strict:
            self._check_programme(event)
        _STEPS[type(event)](self, event, strict)

    def _step_enrolled(self, event: Enrolment.BeneficiaryEnrolled, strict: bool) -> None:
        if strict:
            self._check_enrol(event)
        self.beneficiary = event.beneficiary
        self._enter(event, event.district)

    def _step_transferred(self, event: Enrolment.BeneficiaryTransferred, strict: bool) -> None:
        if strict:
            self._check_transfer(event)
        if self.active is not None:
            self._leave(event.effective_date)
            self._enter(event, event.district)

    def _step_exited(self, event: Enrolment.BeneficiaryExited, strict: bool) -> None:
        if strict:
            self._require_active(event, 4, "exit")
        if self.active is not None:
            self._leave(event.effective_date)
            self.active = None
            self.district = None

    def _step_paid(self, event: Enrolment.PaymentRecorded, strict: bool) -> None:
        if strict:
            self._check_payment(event)
        self.payments[event.payment] = event

    def _step_reversed(self, event: Enrolment.PaymentReversed, strict: bool) -> None:
        if strict:
            self._check_reversal(event)
        self.reversals[event.payment] = event

    # -- transitions ------------------------------------------------------------------------

    def _enter(self, event: Enrolment.Event, district: str) -> None:
        self.active = event
        self.district = district
        self.presence.append(Presence(district, event.effective_date, event.event_id))

    def _leave(self, day: dt.date) -> None:
        self.presence[-1].end = day

    # -- rules --------------------------------------------------------------------------------

    def _check_programme(self, event: Timeline.Event) -> None:
        day = event.effective_date
        if self.programme is None or not self.programme.state.registered_on(day):
            raise RuleViolation(
                1, f"the programme is not registered on {day.isoformat()}", field="programme"
            )

    def _require_active(self, event: Timeline.Event, rule: int, what: str) -> None:
        if self.active is None:
            raise RuleViolation(
                rule,
                f"cannot {what}: the beneficiary is not active on "
                f"{event.effective_date.isoformat()}",
                field="beneficiary",
            )

    def _require_covered(self, district: str, day: dt.date, rule: int) -> None:
        assert self.programme is not None
        if not self.programme.state.covered_during(district, day):
            raise RuleViolation(
                rule,
                f"the programme does not cover district {district} on {day.isoformat()}",
                field="district",
            )

    def _check_enrol(self, event: Enrolment.BeneficiaryEnrolled) -> None:
        if self.active is not None:
            raise RuleViolation(
                3,
                f"the beneficiary is already active in district {self.district} "
                f"since {self.active.effective_date.isoformat()}",
                field="beneficiary",
                contradicts=self.active.event_id,
            )
        if event.birth_date is not None and event.birth_date > event.effective_date:
            raise RuleViolation(9, "the birth date is after the enrolment", field="birth_date")
        self._require_covered(event.district, event.effective_date, 3)

    def _check_transfer(self, event: Enrolment.BeneficiaryTransferred) -> None:
        self._require_active(event, 4, "transfer")
        if event.district == self.district:
            raise RuleViolation(
                4, f"the beneficiary is already in district {event.district}", field="district"
            )
        self._require_covered(event.district, event.effective_date, 4)

    def _check_payment(self, event: Enrolment.PaymentRecorded) -> None:
        assert self.programme is not None
        if self.programme.benefit != "cash":
            raise RuleViolation(
                6, "payments are recorded only in cash programmes", field="programme"
            )
        if event.currency != self.programme.currency:
            raise RuleViolation(
                6,
                f"currency {event.currency} is not the programme's ({self.programme.currency})",
                field="currency",
            )
        if event.payment in self.payments:
            raise RuleViolation(
                6,
                f"payment {event.payment!r} is already recorded",
                field="payment",
                contradicts=self.payments[event.payment].event_id,
            )
        self._require_active(event, 6, "pay")

    def _check_reversal(self, event: Enrolment.PaymentReversed) -> None:
        payment = self.payments.get(event.payment)
        if payment is None:
            raise RuleViolation(
                7,
                f"payment {event.payment!r} is not recorded on or before "
                f"{event.effective_date.isoformat()}",
                field="payment",
            )
        earlier = self.reversals.get(event.payment)
        if earlier is not None:
            raise RuleViolation(
                7,
                f"payment {event.payment!r} is already reversed",
                field="payment",
                contradicts=earlier.event_id,
            )

    def verify(self, *, tail_only: bool) -> None:
        if self.programme is None:
            return
        spells = self.presence[-1:] if tail_only else self.presence
        self._check_spells(self.programme.state, spells)

    def check_presence(self, programme: ProgrammeFold, districts: set[str]) -> None:
        """Every day the beneficiary is active in one of `districts`, `programme` covers it."""
        for spell in self.presence:
            if spell.district not in districts:
                continue
            try:
                self._check_spells(programme, [spell])
            except RuleViolation as violation:
                # Seen from the programme's side, the fact contradicted is the event that began
                # the episode left uncovered (not the first episode in that district).
                raise RuleViolation(
                    5,
                    f"{violation.message.split(' while ')[0]} while beneficiary "
                    f"{self.beneficiary} is active there",
                    field="district",
                    contradicts=spell.entered_by,
                ) from None

    def _check_spells(self, programme: ProgrammeFold, presence: Iterable[Presence]) -> None:
        for spell in presence:
            if spell.is_empty():
                # Arrived and left on one day: the district need be covered at some moment of it
                # (a longer presence is checked against the day's final coverage below).
                if not programme.covered_during(spell.district, spell.start):
                    raise RuleViolation(
                        5,
                        f"district {spell.district} is not covered on {spell.start.isoformat()} "
                        "while the beneficiary is there",
                        field="district",
                        contradicts=spell.entered_by,
                    )
                continue
            cover = programme.spell_on(spell.district, spell.start)
            if cover is None:
                coverage = programme.coverage.get(spell.district)
                ended = coverage.last_closed_before(spell.start) if coverage else None
                if ended is not None and ended.end == spell.start:
                    cover = ended  # withdrawn that very day: that withdrawal is contradicted
                else:
                    raise RuleViolation(
                        5,
                        f"district {spell.district} is not covered on {spell.start.isoformat()} "
                        "while the beneficiary is active there",
                        field="district",
                        contradicts=spell.entered_by,
                    )
            if cover.end is not None and (spell.end is None or spell.end > cover.end):
                raise RuleViolation(
                    5,
                    f"district {spell.district} is withdrawn on {cover.end.isoformat()} while "
                    "the beneficiary is active there",
                    field="district",
                    contradicts=cover.withdrawn_by if cover.withdrawn_by else spell.entered_by,
                )


class Enrolment(Timeline[EnrolmentFold]):
    """One beneficiary in one programme: every episode, move and payment."""

    BeneficiaryEnrolled = stored.Enrolment.BeneficiaryEnrolled
    BeneficiaryTransferred = stored.Enrolment.BeneficiaryTransferred
    BeneficiaryExited = stored.Enrolment.BeneficiaryExited
    PaymentRecorded = stored.Enrolment.PaymentRecorded
    PaymentReversed = stored.Enrolment.PaymentReversed
    EventRetracted = stored.Enrolment.EventRetracted

    def _setup(self) -> None:
        super()._setup()
        self._programme: Programme | None = None

    def _new_fold(self) -> EnrolmentFold:
        return EnrolmentFold(self._programme)

    def bind(self, programme: Programme | None) -> None:
        """Give the enrolment the programme its rules are checked against."""
        self._programme = programme
        if self._fold is not None:
            self._fold.programme = programme

    # -- reading ------------------------------------------------------------------------------

    @property
    def programme(self) -> str:
        return self._keys[0]

    @property
    def beneficiary(self) -> str:
        return self._keys[1]

    @property
    def districts(self) -> set[str]:
        """Every district the beneficiary has ever been recorded in (retracted or not)."""
        return {
            e.district
            for e in self._events
            if isinstance(e, Enrolment.BeneficiaryEnrolled | Enrolment.BeneficiaryTransferred)
        }

    # -- commands -----------------------------------------------------------------------------

    @classmethod
    def start(cls, programme: Programme | None, beneficiary: str, meta: Meta) -> Enrolment:
        """An empty timeline for a beneficiary the programme has never seen."""
        code = programme.code if programme is not None else ""
        timeline = cls.open(enrolment_id(code, beneficiary), meta.timestamp)
        timeline.bind(programme)
        return timeline

    def enrol(
        self,
        *,
        programme: str,
        beneficiary: str,
        district: str,
        sex: str,
        birth_date: dt.date | None,
        household: str | None,
        meta: Meta,
    ) -> Timeline.Event:
        return self._record(
            self.BeneficiaryEnrolled,
            programme=programme,
            beneficiary=beneficiary,
            district=district,
            sex=sex,
            birth_date=birth_date,
            household=household,
            **meta.fields(),
        )

    def transfer(self, district: str, meta: Meta) -> Timeline.Event:
        return self._record(
            self.BeneficiaryTransferred,
            programme=self.programme,
            beneficiary=self.beneficiary,
            district=district,
            **meta.fields(),
        )

    def exit(self, reason: str, meta: Meta) -> Timeline.Event:
        return self._record(
            self.BeneficiaryExited,
            programme=self.programme,
            beneficiary=self.beneficiary,
            reason=reason,
            **meta.fields(),
        )

    def pay(
        self, *, payment: str, amount: decimal.Decimal, period: str, currency: str | None,
        meta: Meta,
    ) -> Timeline.Event:
        programme_currency = self._programme.currency if self._programme else None
        return self._record(
            self.PaymentRecorded,
            programme=self.programme,
            beneficiary=self.beneficiary,
            payment=payment,
            amount=amount,
            period=period,
            currency=currency or programme_currency or "",
            **meta.fields(),
        )

    def reverse(self, payment: str, reason: str, meta: Meta) -> Timeline.Event:
        return self._record(
            self.PaymentReversed,
            programme=self.programme,
            beneficiary=self.beneficiary,
            payment=payment,
            reason=reason,
            **meta.fields(),
        )

    def retract(self, event_id: str, reason: str, meta: Meta) -> Timeline.Event:
        self._check_retraction(event_id)
        return self._record(
            self.EventRetracted,
            programme=self.programme,
            beneficiary=self.beneficiary,
            retracts=event_id,
            reason=reason,
            **meta.fields(),
        )

    def _remember(self, event: Timeline.Event) -> None:
        if not self._events:
            assert isinstance(event, Enrolment.BeneficiaryEnrolled)
            self._keys = (event.programme, event.beneficiary)
        super()._remember(event)


_STEPS: dict[type[Timeline.Event], Callable[[EnrolmentFold, Any, bool], None]] = {
    Enrolment.BeneficiaryEnrolled: EnrolmentFold._step_enrolled,
    Enrolment.BeneficiaryTransferred: EnrolmentFold._step_transferred,
    Enrolment.BeneficiaryExited: EnrolmentFold._step_exited,
    Enrolment.PaymentRecorded: EnrolmentFold._step_paid,
    Enrolment.PaymentReversed: EnrolmentFold._step_reversed,
}
