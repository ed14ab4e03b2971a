"""Storing a checked file: each line encoded as the library's mapper would store its event,
appended in file order with its chain link, its keys and its placements.

The stored state is written by the codec (ledger/codec/encoder.py), field by field in the
event's own order; the window's rows are written in the background while the next are encoded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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


class Stager:
    """Appends a checked file's lines to the session, a window at a time."""

    def __init__(self, session: Session, receipt: Receipt, now: dt.datetime,
                 stamps: list[dt.datetime] | None):
        self.session = session
        self.receipt = receipt
        self.now = now
        self.stamps = stamps  # each line's own recorded time (a restore), else `now` for all
        self.placed: set[tuple[str, str, str]] = set()

    def stage(self, lines: Iterable[dict[str, Any]]) -> None:
        events: list[NewEvent] = []
        keys: list[NewKey] = []
        placements: list[NewPlacement] = []
        detail: list[tuple[str, str, dt.date, dt.datetime]] = []
        for n, line in enumerate(lines):
            recorded = self.now if self.stamps is None else self.stamps[n]
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
