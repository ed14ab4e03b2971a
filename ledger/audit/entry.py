"""One line of an audit trail: a stored event as an auditor reads it."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from ledger.domain.enrolment import Enrolment
from ledger.domain.programme import Programme
from ledger.domain.timeline import Timeline, event_name

COLUMNS = (
    "position", "effective_date", "recorded_at", "appended_at", "event", "id", "operator",
    "recorded_by", "appended_by", "programme", "beneficiary", "district", "detail", "note",
    "retracted_by", "reversed_by",
)


@dataclass(frozen=True, slots=True)
class Entry:
    """A stored event with where it is, when it took effect, who recorded it and when, and what
    (as known then) withdrew or cancelled it.

    `recorded_by` is who the store proved appended it (None: not known — recorded before the
    ledger kept it, or restored from a line without it); `operator` the name declared. For a
    restored event (`import --historical`), `recorded_at` is the time the restore claims and
    `appended_at`/`appended_by` when and by whom it was really appended; both are None for an
    event recorded live, whose recorded time is its append time."""

    position: int
    effective_date: dt.date
    recorded_at: dt.datetime
    appended_at: dt.datetime | None
    event: str
    id: str
    operator: str
    recorded_by: str | None
    appended_by: str | None
    programme: str | None
    beneficiary: str | None
    district: str | None
    detail: str
    note: str | None
    retracted_by: str | None = None
    reversed_by: str | None = None

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


def describe(position: int, event: Timeline.Event, *, retracted_by: str | None = None,
             reversed_by: str | None = None) -> Entry:
    """The trail entry of one stored event."""
    return Entry(
        position=position,
        effective_date=event.effective_date,
        recorded_at=event.timestamp,
        appended_at=event.appended_at,
        event=event_name(event),
        id=event.event_id,
        operator=event.operator,
        recorded_by=event.recorded_by,
        appended_by=event.appended_by,
        programme=getattr(event, "programme", None),
        beneficiary=getattr(event, "beneficiary", None),
        district=getattr(event, "district", None),
        detail=_detail(event),
        note=event.note,
        retracted_by=retracted_by,
        reversed_by=reversed_by,
    )


def _detail(event: Timeline.Event) -> str:
    """The event's own fields that have no column, in a few words."""
    if isinstance(event, Programme.ProgrammeRegistered):
        money = f" in {event.currency}" if event.currency else ""
        return f"{event.name!r}, {event.benefit}{money}"
    if isinstance(event, Enrolment.BeneficiaryEnrolled):
        parts = [f"sex {event.sex}"]
        if event.birth_date is not None:
            parts.append(f"born {event.birth_date.isoformat()}")
        if event.household is not None:
            parts.append(f"household {event.household}")
        return ", ".join(parts)
    if isinstance(event, Enrolment.BeneficiaryExited):
        return f"reason {event.reason}"
    if isinstance(event, Enrolment.PaymentRecorded):
        return f"payment {event.payment}: {event.amount} {event.currency} for {event.period}"
    if isinstance(event, Enrolment.PaymentReversed):
        return f"reverses payment {event.payment}: {event.reason}"
    if isinstance(event, Timeline.EventRetracted):
        return f"retracts {event.retracts}: {event.reason}"
    return ""
