"""Storing a checked file: each line encoded as the library's mapper would store its event,
appended in file order with its chain link, its keys and its placements.

The stored state is written by the codec (ledger/codec/encoder.py), field by field in the
event's own order; the window's rows are written in the background while the next are encoded.
Who recorded each event is the session's proven identity (`Session.recorded_by`), never the
line's — except in a restore, which keeps each line's own recorded time and `recorded_by` and
adds the true append time and the restorer (`appended_at`, `appended_by`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ledger.codec.encoder import Layout, layout
from ledger.domain.district import District
from ledger.domain.enrolment import Enrolment
from ledger.domain.programme import Programme
from ledger.domain.timeline import Timeline
from ledger.recording.receipt import DETAIL, Receipt
from ledger.storage.session import NewEvent, NewKey, NewPlacement, Session

WINDOW = 20_000  # events appended together

_CLASSES: dict[tuple[str, str], type[Timeline.Event]] = {
    ("programme", "ProgrammeRegistered"): Programme.ProgrammeRegistered,
    ("programme", "DistrictExpanded"): Programme.DistrictExpanded,
    ("programme", "DistrictWithdrawn"): Programme.DistrictWithdrawn,
    ("programme", "EventRetracted"): Programme.EventRetracted,
    ("enrolment", "BeneficiaryEnrolled"): Enrolment.BeneficiaryEnrolled,
    ("enrolment", "BeneficiaryTransferred"): Enrolment.BeneficiaryTransferred,
    ("enrolment", "BeneficiaryExited"): Enrolment.BeneficiaryExited,
    ("enrolment", "PaymentRecorded"): Enrolment.PaymentRecorded,
    ("enrolment", "PaymentReversed"): Enrolment.PaymentReversed,
    ("enrolment", "EventRetracted"): Enrolment.EventRetracted,
    ("district", "DistrictEstablished"): District.DistrictEstablished,
    ("district", "DistrictRenamed"): District.DistrictRenamed,
    ("district", "DistrictRetired"): District.DistrictRetired,
    ("district", "EventRetracted"): District.EventRetracted,
}
_LAYOUTS: dict[tuple[str, str], Layout] = {key: layout(cls) for key, cls in _CLASSES.items()}


@dataclass
class Restored:
    """A restore's own record of each line, in file order: its recorded time and who recorded
    it (None when the restored line does not say)."""

    stamps: list[dt.datetime] = field(default_factory=list)
    recorded_by: list[str | None] = field(default_factory=list)


class Stager:
    """Appends a checked file's lines to the session, a window at a time."""

    def __init__(self, session: Session, receipt: Receipt, now: dt.datetime,
                 restored: Restored | None = None):
        self.session = session
        self.receipt = receipt
        self.now = now  # the recorded time of every line (live), or the append time (a restore)
        self.restored = restored
        self.placed: set[tuple[str, str, str]] = set()

    def stage(self, lines: Iterable[dict[str, Any]]) -> None:
        events: list[NewEvent] = []
        keys: list[NewKey] = []
        placements: list[NewPlacement] = []
        detail: list[tuple[str, str, dt.date, dt.datetime]] = []
        restored = self.restored
        by = self.session.recorded_by
        for n, line in enumerate(lines):
            if restored is None:
                recorded = self.now
                line["recorded_by"], line["appended_at"], line["appended_by"] = by, None, None
            else:
                recorded = restored.stamps[n]
                line["recorded_by"] = restored.recorded_by[n]
                line["appended_at"], line["appended_by"] = self.now, by
            self._encode(line, recorded, events, keys, placements)
            if self.receipt.count + len(detail) < DETAIL:
                detail.append((line["event_id"], line["event"], line["effective_date"], recorded))
            if len(events) >= WINDOW:
                self._append(events, keys, placements, detail)
                events, keys, placements, detail = [], [], [], []
        self._append(events, keys, placements, detail)

    def _encode(self, line: dict[str, Any], recorded: dt.datetime, events: list[NewEvent],
                keys: list[NewKey], placements: list[NewPlacement]) -> None:
        found = _LAYOUTS[(line["kind"], line["event"])]
        line["timestamp"] = recorded
        timeline: str = line["timeline"]
        events.append((timeline, line["version"], found.topic, found.state(line)))
        keys.append(("id:" + line["event_id"], timeline, line["digest"]))
        event = line["event"]
        if event == "PaymentRecorded":
            keys.append((f"payment:{line['programme']}:{line['payment']}", timeline,
                         line["event_id"]))
        elif event in ("BeneficiaryEnrolled", "BeneficiaryTransferred"):
            place = (line["programme"], line["district"], timeline)
            if place not in self.placed:
                self.placed.add(place)
                placements.append(place)

    def _append(self, events: list[NewEvent], keys: list[NewKey],
                placements: list[NewPlacement],
                detail: list[tuple[str, str, dt.date, dt.datetime]]) -> None:
        if events:
            self.receipt.add(self.session.append(events, keys, placements), detail)
