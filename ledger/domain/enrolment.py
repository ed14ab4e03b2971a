"""An enrolment: one beneficiary in one programme — episodes, transfers, exits, payments, reversals."""

from __future__ import annotations

import datetime as dt
import decimal

from ledger.domain.timeline import Timeline

EXIT_REASONS = ("graduated", "aged-out", "moved-away", "deceased", "ineligible", "withdrew", "other")
SEXES = ("F", "M")


class Enrolment(Timeline):
    """One beneficiary in one programme: every episode, move and payment."""

    class BeneficiaryEnrolled(Timeline.Event):
        programme: str
        beneficiary: str
        district: str
        sex: str
        birth_date: dt.date | None
        household: str | None

    class BeneficiaryTransferred(Timeline.Event):
        programme: str
        beneficiary: str
        district: str

    class BeneficiaryExited(Timeline.Event):
        programme: str
        beneficiary: str
        reason: str

    class PaymentRecorded(Timeline.Event):
        programme: str
        beneficiary: str
        payment: str
        amount: decimal.Decimal
        period: str
        currency: str

    class PaymentReversed(Timeline.Event):
        programme: str
        beneficiary: str
        payment: str
        reason: str

    class EventRetracted(Timeline.EventRetracted):
        programme: str
        beneficiary: str
