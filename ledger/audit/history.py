"""`history`: the full trail of a beneficiary, a programme or a district, as an auditor reads it.

Every stored event of the subject, in position order, with its effective date, recorded time,
operator and id, and — as known at `known_at` — the retraction that withdrew it and the reversal
that cancelled it (for payments). What each subject's trail holds:

- **programme** P: every event of P (its registration and coverage, and every enrolment event);
- **beneficiary** B: every event of B's enrolments (in P only, with both options);
- **district** D: the expansions and withdrawals of D, and every enrolment, transfer and exit
  that moved a beneficiary into or out of D (found by following each beneficiary who was ever
  placed in D through its timeline). Payments are in the beneficiaries' own trails.

Options combine: each narrows the trail. Retractions of events in the trail are in it too.
`as_of` keeps events effective on or before that date; `known_at` keeps events recorded by then
and only marks retractions and reversals recorded by then (SPEC §4).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from ledger.audit.entry import Entry, describe
from ledger.codec.decoder import decode_row
from ledger.domain.enrolment import Enrolment
from ledger.domain.programme import Programme
from ledger.domain.timeline import Timeline
from ledger.storage.reader import Row
from ledger.storage.session import LedgerStore

_MOVES = (Enrolment.BeneficiaryEnrolled, Enrolment.BeneficiaryTransferred,
          Enrolment.BeneficiaryExited)
_PLACES = ("Enrolment.BeneficiaryEnrolled", "Enrolment.BeneficiaryTransferred")
_COVERAGE = ("Programme.DistrictExpanded", "Programme.DistrictWithdrawn")


@dataclass(frozen=True, slots=True)
class Subject:
    """Whose trail: a programme, a beneficiary, a district — or a combination (None: any)."""

    programme: str | None = None
    beneficiary: str | None = None
    district: str | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """Effective on or before `as_of`, recorded by `known_at` (None: no limit)."""

    as_of: dt.date | None = None
    known_at: dt.datetime | None = None

    def recorded(self, event: Timeline.Event) -> bool:
        return self.known_at is None or event.timestamp <= self.known_at

    def effective(self, event: Timeline.Event) -> bool:
        return self.as_of is None or event.effective_date <= self.as_of


def history(store: LedgerStore, subject: Subject, window: Window = Window()) -> list[Entry]:
    """The subject's trail in position order, each event with its retraction and reversal."""
    followed = _placed_in(store, subject.district) if subject.district else None
    needles = [_quoted(v) for v in (subject.programme, subject.beneficiary) if v]

    def wanted(row: Row) -> bool:
        if row[3].endswith("EventRetracted"):
            return True  # every retraction: it may withdraw an event of the trail
        if followed is not None:
            return row[1] in followed or _is_coverage(row, subject.district)
        return all(needle in row[4] for needle in needles)

    events = [(p, e) for p, e in _decoded(store, wanted) if window.recorded(e)]
    retractions = {e.retracts: e for _, e in events if isinstance(e, Timeline.EventRetracted)}
    moves = _moves_touching(subject.district, events, retractions) if subject.district else None
    selected = [
        (p, e) for p, e in events
        if not isinstance(e, Timeline.EventRetracted) and _in_trail(e, subject, moves)
    ]
    chosen = {e.event_id for _, e in selected}
    selected.extend(
        (p, e) for p, e in events
        if isinstance(e, Timeline.EventRetracted) and e.retracts in chosen
    )
    selected.sort(key=lambda item: item[0])
    reversals = _reversals(events, retractions, window)
    return [
        describe(
            position,
            event,
            retracted_by=_id(retractions.get(event.event_id)),
            reversed_by=_id(reversals.get(_payment_key(event))) if _is_payment(event) else None,
        )
        for position, event in selected
        if window.effective(event)
    ]


def _in_trail(event: Timeline.Event, subject: Subject, moves: set[str] | None) -> bool:
    if subject.programme is not None and getattr(event, "programme", None) != subject.programme:
        return False
    if subject.beneficiary is not None and getattr(event, "beneficiary", None) != subject.beneficiary:
        return False
    if subject.district is None or moves is None:
        return True
    if isinstance(event, Programme.DistrictExpanded | Programme.DistrictWithdrawn):
        return event.district == subject.district
    return event.event_id in moves


def _moves_touching(
    district: str | None,
    events: list[tuple[int, Timeline.Event]],
    retractions: dict[str, Timeline.EventRetracted],
) -> set[str]:
    """Ids of the enrolments, transfers and exits that move a beneficiary into or out of
    `district`: each timeline walked in effective order, retracted events leaving no trace."""
    by_timeline: dict[UUID, list[Timeline.Event]] = {}
    for _, event in events:
        if isinstance(event, _MOVES):
            by_timeline.setdefault(event.originator_id, []).append(event)
    touching: set[str] = set()
    for moves in by_timeline.values():
        moves.sort(key=lambda e: (e.effective_date, e.originator_version))
        where: str | None = None
        for move in moves:
            after = None if isinstance(move, Enrolment.BeneficiaryExited) else _district(move)
            if district in (where, after):
                touching.add(move.event_id)
            if move.event_id not in retractions:
                where = after
    return touching


def _reversals(
    events: list[tuple[int, Timeline.Event]],
    retractions: dict[str, Timeline.EventRetracted],
    window: Window,
) -> dict[tuple[str, str], Enrolment.PaymentReversed]:
    """The standing reversal of each payment: recorded by `known_at`, effective by `as_of`."""
    found: dict[tuple[str, str], Enrolment.PaymentReversed] = {}
    for _, event in events:
        if (isinstance(event, Enrolment.PaymentReversed) and event.event_id not in retractions
                and window.effective(event)):
            found.setdefault((event.programme, event.payment), event)
    return found


def _placed_in(store: LedgerStore, district: str) -> set[str]:
    """Timelines (originator ids, as stored) with an enrolment or transfer that may name
    `district` — a cheap test on the stored bytes; the walk over each timeline decides."""
    needle = _quoted(district)
    return {
        row[1]
        for rows in store.iter_rows()
        for row in rows
        if row[3].endswith(_PLACES) and needle in row[4]
    }


def _is_coverage(row: Row, district: str | None) -> bool:
    return district is not None and row[3].endswith(_COVERAGE) and _quoted(district) in row[4]


def _decoded(
    store: LedgerStore, wanted: Callable[[Row], bool]
) -> Iterator[tuple[int, Timeline.Event]]:
    """The stored events whose rows pass `wanted` (a cheap test on the raw row), decoded."""
    for rows in store.iter_rows():
        for row in rows:
            if wanted(row):
                yield row[0], decode_row(row)


def _district(event: Timeline.Event) -> str:
    return cast(str, cast(Any, event).district)


def _quoted(value: str) -> bytes:
    """The value as a JSON string inside the stored state (codes and ids need no escaping)."""
    return b'"' + value.encode("utf-8") + b'"'


def _is_payment(event: Timeline.Event) -> bool:
    return isinstance(event, Enrolment.PaymentRecorded)


def _payment_key(event: Timeline.Event) -> tuple[str, str]:
    payment = cast(Any, event)
    return (payment.programme, payment.payment)


def _id(event: Timeline.Event | None) -> str | None:
    return event.event_id if event is not None else None
