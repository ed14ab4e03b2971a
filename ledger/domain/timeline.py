"""What every event of the ledger is: an event of a timeline, in the library's terms.

A timeline is the life of one aggregate — a programme, or one beneficiary's enrolment in one —
as the events recorded for it. The events are the stored format's classes (their topics name
them in every stored row); SPEC §3's rules over them live in ledger/rules/, and an independent
per-event model of them in tests/reference/.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from eventsourcing.domain import Aggregate


class Timeline(Aggregate):
    """An aggregate whose events each take effect on a date (SPEC §4)."""

    class Event(Aggregate.Event):
        """Every event: when it took effect, who recorded it, its idempotency id and a note.

        `operator` is the name the operator declares; `recorded_by` is the identity the store
        proved (the PostgreSQL login, the OS user on SQLite, SPEC §12) — None when nobody knows
        (an event recorded before version 2, or a legacy record restored without one). The
        library's `timestamp` is the recorded time. A restore (`import --historical`) keeps
        the restored line's recorded time and `recorded_by`, and adds when it was really
        appended and by whom (`appended_at`, `appended_by`); both are None for an event
        recorded live, whose recorded time is its append time.
        """

        class_version = 2

        event_id: str
        effective_date: dt.date
        operator: str
        note: str | None
        recorded_by: str | None
        appended_at: dt.datetime | None
        appended_by: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 had no proven identity: who appended it and when are unknown (None)."""
            for name in ("recorded_by", "appended_at", "appended_by"):
                state.setdefault(name, None)

    class EventRetracted(Event):
        """A mistake withdrawn: the named event no longer counts from when this is recorded."""

        retracts: str
        reason: str


def event_name(event: Timeline.Event) -> str:
    """The interchange name of an event (its class name)."""
    return type(event).__name__
