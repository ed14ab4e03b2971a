"""What every event of the ledger is: an event of a timeline, in the library's terms.

A timeline is the life of one aggregate — a programme, or one beneficiary's enrolment in one —
as the events recorded for it. The events are the stored format's classes (their topics name
them in every stored row); SPEC §3's rules over them live in ledger/rules/, and an independent
per-event model of them in tests/reference/.
"""

from __future__ import annotations

import datetime as dt

from eventsourcing.domain import Aggregate


class Timeline(Aggregate):
    """An aggregate whose events each take effect on a date (SPEC §4)."""

    class Event(Aggregate.Event):
        """Every event: when it took effect, who recorded it, its idempotency id and a note."""

        event_id: str
        effective_date: dt.date
        operator: str
        note: str | None

    class EventRetracted(Event):
        """A mistake withdrawn: the named event no longer counts from when this is recorded."""

        retracts: str
        reason: str


def event_name(event: Timeline.Event) -> str:
    """The interchange name of an event (its class name)."""
    return type(event).__name__
