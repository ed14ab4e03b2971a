"""Recording a batch of facts: each checked in order against the whole timeline, all stored atomically.

A batch runs inside one write transaction. Facts are taken a window at a time: the keys and
timelines the window needs are fetched in bulk, then each fact is applied to its aggregate in
memory (which checks the rules), and the resulting events are appended in large chunks. A refused
line is reported and the batch goes on checking, so every refused line is reported; if any was
refused the transaction is rolled back and nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper

from ledger.access import scope as access
from ledger.domain.enrolment import Enrolment
from ledger.domain.errors import RuleViolation
from ledger.domain.ids import enrolment_id
from ledger.domain.programme import Programme, ProgrammeFold
from ledger.domain.tail import EnrolmentTail
from ledger.domain.timeline import Meta, Timeline, event_name
from ledger.errors import BatchRefused
from ledger.facts import Fact
from ledger.interchange.schema import FieldError
from ledger.refusals import Refusals
from ledger.seen import SeenIds
from ledger.storage.encoding import (
    Layout,
    layout,
    stored_amount,
    stored_date,
    stored_state,
    stored_time,
)
from ledger.storage.session import Key, NewEvent, NewKey, NewPlacement, Session
from ledger.timelines import Timelines

WINDOW = 20_000  # facts whose keys and timelines are fetched together, and events appended together
RECEIPT_DETAIL = 1_000  # a receipt lists recorded events one by one up to this many

Line = Fact | list[FieldError]


@dataclass(frozen=True, slots=True)
class Recorded:
    """One recorded event, as a receipt shows it."""

    event_id: str
    event: str
    position: int
    effective_date: dt.date
    recorded_at: dt.datetime


@dataclass
class Receipt:
    """What a batch recorded: how many events, at which positions, and how many were known already."""

    count: int = 0
    already_recorded: int = 0
    first_position: int | None = None
    last_position: int | None = None
    events: list[Recorded] = field(default_factory=list)


class Batch:
    """Checks and stages the facts of one batch inside a write session."""

    def __init__(
        self,
        session: Session,
        mapper: Mapper[UUID],
        *,
        operator: str,
        historical: bool,
        now: dt.datetime,
        progress: Callable[[int], None] | None = None,
    ):
        self.session = session
        self.mapper = mapper
        self.operator = operator
        self.historical = historical
        self.now = now
        self.progress = progress
        self.timelines = Timelines(session, mapper)
        self.refusals = Refusals()
        self.receipt = Receipt()
        # What a window needs besides the store: the keys found for it, and the ids and payment
        # ids recorded in this window and the one before (whose events may still be on their way
        # into the store while this window is checked).
        self.known_keys: dict[str, Key] = {}
        self.window_events: dict[str, str] = {}  # event id -> timeline (hex), in this window
        self.window_payments: dict[str, tuple[str, str]] = {}  # key -> (timeline hex, event id)
        self.events_before: dict[str, str] = {}
        self.payments_before: dict[str, tuple[str, str]] = {}
        # The line of each id recorded in this window and the one before; for older windows,
        # the ids seen (a Bloom filter) and the line of every staged event, in position order.
        self.window_lines: dict[str, int] = {}
        self.lines_before: dict[str, int] = {}
        self.seen = SeenIds()
        self.staged_lines = array("I")
        self.placed: dict[tuple[str, str], set[int]] = {}  # enrolments placed, by UUID int
        self.pending: list[NewEvent] = []
        self.pending_keys: list[NewKey] = []
        self.pending_placements: list[NewPlacement] = []
        self.pending_detail: list[tuple[str, str, dt.date, dt.datetime]] = []
        self.detail_left = RECEIPT_DETAIL  # recorded events a receipt still lists one by one
        self.folds: dict[str, ProgrammeFold] = {}  # registered programmes' folds, by code
        self.last_recorded = _recorded_at(session.last_state())
        self.timelines.all_known = self.last_recorded is None  # an empty store
        # Recorded times never decrease; the clock keeps the offset `now` was given in, and the
        # recording day is the day in that offset — the very day a restore reads off the time.
        last = self.last_recorded.astimezone(now.tzinfo) if self.last_recorded else None
        self.clock = max(now, last) if last else now
        self.clock_day = self.clock.date()

    # -- driving -------------------------------------------------------------------------------

    def run(self, lines: Iterable[Line]) -> Receipt:
        """Check and stage every line; raise BatchRefused (nothing kept) if any was refused."""
        # A batch allocates millions of long-lived objects and no reference cycles; the cyclic
        # collector would re-scan them over and over for nothing.
        collecting = gc.isenabled()
        gc.disable()
        self.session.write_behind()
        try:
            return self._run(lines)
        finally:
            if collecting:
                gc.enable()

    def _run(self, lines: Iterable[Line]) -> Receipt:
        iterator = iter(lines)
        while window := list(islice(iterator, WINDOW)):
            facts = [line for line in window if isinstance(line, Fact)]
            identities = {id(fact): fact.identity() for fact in facts}
            self._next_window()
            self._prefetch(facts, [event_id for event_id, _ in identities.values()])
            # The window before is written in the background while this one is checked: its
            # ids, payment ids and rows stay known in memory until the next window's lookups.
            self._flush()
            for line in window:
                if isinstance(line, Fact):
                    self._take(line, *identities[id(line)])
                else:
                    self.refusals.extend(line)
            if self.progress:
                self.progress(len(window))
        # Appended even after a refusal (the transaction will be rolled back): later lines
        # are then checked against everything before them, so no refusal is spurious.
        self._flush()
        if self.refusals:
            raise BatchRefused(self.refusals, unreported=self.refusals.unreported)
        return self.receipt

    def _next_window(self) -> None:
        self.known_keys.clear()
        self.lines_before, self.window_lines = self.window_lines, {}
        self.events_before, self.window_events = self.window_events, {}
        self.payments_before, self.window_payments = self.window_payments, {}
        self.timelines.next_window()

    def _prefetch(self, facts: list[Fact], event_ids: list[str]) -> None:
        """Fetch the keys and timelines a window of facts needs, in bulk.

        That includes the whole aggregates the slow lane will want — the owners of reversed
        payments and retracted events, and the enrolments whose new fact will not sort last:
        checking the window then reads nothing from the store while the window before it is
        being written in the background.
        """
        self.known_keys.update(self.session.find_keys(["id:" + event_id for event_id in event_ids]))
        known = self.known_keys
        keys: list[str] = []
        targets: list[str] = []  # keys whose timelines are needed, not just their existence
        programmes: set[str] = set()
        enrolments: set[tuple[str, str]] = set()  # not known yet
        whole: set[tuple[str, str]] = set()  # known, and wanted whole
        owners: dict[str, tuple[str, str]] = {}  # this window's ids and payment keys -> enrolment
        latest: dict[tuple[str, str], dt.date] = {}  # each enrolment's latest day in the window
        timelines = self.timelines
        for fact, event_id in zip(facts, event_ids, strict=True):
            if "id:" + event_id in known:
                continue  # already recorded: nothing of it needs loading
            fields = fact.fields
            programme: str | None = fields.get("programme")
            if programme is None:
                targets.append("id:" + fields["retracts"])
                continue
            programmes.add(programme)
            event = fact.event
            beneficiary = fields.get("beneficiary")
            if beneficiary is not None:
                owner = (programme, beneficiary)
                owners["id:" + event_id] = owner
                day = fact.effective_date
                before = latest.get(owner)
                if before is None or day > before:
                    latest[owner] = day
                elif day < before:
                    whole.add(owner)  # it will not sort last after the window's earlier facts
                if not timelines.knows(programme, beneficiary):
                    enrolments.add(owner)
                elif timelines.slow_lane_likely(programme, beneficiary, event, day):
                    whole.add(owner)
            if event == "PaymentRecorded":
                key = _payment_key(programme, fields["payment"])
                keys.append(key)
                if beneficiary is not None:
                    owners[key] = (programme, beneficiary)
            elif event == "PaymentReversed":
                targets.append(_payment_key(programme, fields["payment"]))
            elif event == "EventRetracted":
                targets.append("id:" + fields["retracts"])
        known.update(self.session.find_keys([k for k in (*keys, *targets) if k not in known]))
        others: list[UUID] = []
        for key in targets:
            found = known.get(key)
            if found is not None:  # in the store
                others.append(found.originator_id)
            elif recent := self._recent_owner(key):  # in the window before
                others.append(UUID(recent))
            elif key in owners:  # in this window
                whole.add(owners[key])
        others.extend(enrolment_id(*owner) for owner in whole)
        timelines.preload(programmes, enrolments, others)

    def _recent_owner(self, key: str) -> str | None:
        """The timeline (hex) of a payment key or `id:` key recorded in the window before."""
        if key.startswith("id:"):
            return self.events_before.get(key[3:])
        payment = self.payments_before.get(key)
        return payment[0] if payment else None

    # -- one fact ------------------------------------------------------------------------------

    def _take(self, fact: Fact, event_id: str, digest: str) -> None:
        try:
            self._apply(fact, event_id, digest)
        except RuleViolation as violation:
            self.refusals.add(FieldError(fact.origin, violation.field, str(violation)))

    def _apply(self, fact: Fact, event_id: str, digest: str) -> None:
        known = self.known_keys.get("id:" + event_id)
        earlier = self.window_lines.get(event_id) or self.lines_before.get(event_id)
        if earlier is None and known is not None and event_id in self.seen:
            earlier = self._line_in_batch(known, event_id)
        if earlier is not None:
            raise RuleViolation(None, f"{event_id!r} is also the id of line {earlier}", field="id")
        if known is not None:
            if known.digest != digest:
                raise RuleViolation(
                    None, f"{event_id!r} is already recorded for a different event", field="id"
                )
            self._check_repeated_payment(fact)
            self.receipt.already_recorded += 1
            return
        access.check(self, fact)  # the login's ledger role and scope (SPEC §12)
        recorded = self._recorded_time(fact)
        fast = _FAST.get(fact.event)
        if fast is not None and fast(self, fact, event_id, digest, recorded):
            return
        meta = Meta(
            event_id=event_id,
            effective_date=fact.effective_date,
            operator=fact.operator or self.operator,
            note=fact.note,
            timestamp=recorded,
        )
        timeline = _HANDLERS[fact.event](self, fact, meta)
        self._stage(fact, timeline, digest)

    def _line_in_batch(self, known: Key, event_id: str) -> int | None:
        """The line of this batch that recorded `event_id`, if it was this batch (not before)."""
        first = self.receipt.first_position
        timeline = self.timelines.get(known.originator_id) if first is not None else None
        event = timeline.event(event_id) if timeline is not None else None
        if first is None or event is None:
            return None
        position = self.session.position(known.originator_id, event.originator_version)
        if position is None or position < first:
            return None
        return self.staged_lines[position - first]

    def _check_repeated_payment(self, fact: Fact) -> None:
        """A payment's currency is left out of its digest (it can only be the programme's); a
        repeated line naming another currency is still wrong, not already recorded."""
        currency = fact.fields.get("currency")
        if fact.event != "PaymentRecorded" or currency is None:
            return
        programme = self.programme(fact.fields["programme"])
        if currency != programme.currency:
            raise RuleViolation(
                6,
                f"currency {currency} is not the programme's ({programme.currency})",
                field="currency",
            )

    def _recorded_time(self, fact: Fact) -> dt.datetime:
        if not self.historical:
            if fact.recorded_at is not None:
                raise RuleViolation(
                    9,
                    "recorded_at is accepted only by `import --historical`; "
                    "otherwise the ledger's clock stamps each event",
                    field="recorded_at",
                )
            recorded = self.clock
            local_day = self.clock_day
        else:
            recorded = self._historical_time(fact)
            local_day = recorded.date()
        if fact.effective_date > local_day:
            raise RuleViolation(
                9,
                f"effective {fact.effective_date.isoformat()} is after the day it is recorded "
                f"({local_day.isoformat()})",
                field="effective_date",
            )
        return recorded

    def _historical_time(self, fact: Fact) -> dt.datetime:
        recorded = fact.recorded_at
        if recorded is None:
            raise RuleViolation(9, "`import --historical` needs recorded_at on every line",
                                field="recorded_at")
        if recorded > self.now:
            raise RuleViolation(9, f"{recorded.isoformat()} is in the future", field="recorded_at")
        if self.last_recorded is not None and recorded < self.last_recorded:
            raise RuleViolation(
                9,
                f"{recorded.isoformat()} is before {self.last_recorded.isoformat()}, "
                "the last recorded time before this line",
                field="recorded_at",
            )
        self.last_recorded = recorded
        return recorded

    # -- staging -------------------------------------------------------------------------------

    def _stage(self, fact: Fact, timeline: Timeline[Any], digest: str) -> None:
        """Stage the events a whole timeline has just recorded (the slow lane)."""
        originator_hex = timeline.id.hex
        key = timeline.id.int
        for collected in timeline.collect_events():
            event = cast(Timeline.Event, collected)
            topic, state = stored_state(event)
            self._stage_row(key, (originator_hex, event.originator_version, topic, state),
                            event.event_id, digest, fact.origin.line, event_name(event),
                            event.effective_date, event.timestamp)
            self.window_events[event.event_id] = originator_hex
            if isinstance(event, Enrolment.PaymentRecorded):
                payment_key = _payment_key(event.programme, event.payment)
                self.pending_keys.append((payment_key, originator_hex, event.event_id))
                self.window_payments[payment_key] = (originator_hex, event.event_id)
            elif isinstance(event, Enrolment.BeneficiaryEnrolled | Enrolment.BeneficiaryTransferred):
                self._place(event.programme, event.district, key, originator_hex)
        if isinstance(timeline, Enrolment):
            self.timelines.keep_whole(timeline)
        else:
            self.folds.clear()

    def _stage_row(self, key: int, row: NewEvent, event_id: str, digest: str, line: int,
                   name: str, effective: dt.date, recorded: dt.datetime) -> None:
        self.pending.append(row)
        self.pending_keys.append(("id:" + event_id, row[0], digest))
        self.window_lines[event_id] = line
        self.seen.add(event_id)
        self.staged_lines.append(line)
        unwritten = self.timelines.unwritten
        rows = unwritten.get(key)
        if rows is None:
            unwritten[key] = [row]
        else:
            rows.append(row)
        if self.detail_left:
            self.detail_left -= 1
            self.pending_detail.append((event_id, name, effective, recorded))

    def _place(self, programme: str, district: str, key: int, originator_hex: str) -> None:
        placed = self.placed.get((programme, district))
        if placed is None:
            placed = self.placed[(programme, district)] = set()
        if key not in placed:
            placed.add(key)
            self.pending_placements.append((programme, district, originator_hex))

    def _flush(self) -> None:
        """Append the staged events (in the background: the session reads after they are in)."""
        if not self.pending:
            return
        positions = self.session.append(self.pending, self.pending_keys, self.pending_placements)
        receipt = self.receipt
        if receipt.first_position is None:
            receipt.first_position = positions[0]
        receipt.last_position = positions[-1]
        for (event_id, name, effective, recorded), position in zip(
            self.pending_detail, positions, strict=False
        ):
            receipt.events.append(Recorded(event_id, name, position, effective, recorded))
        receipt.count += len(self.pending)
        self.pending = []
        self.pending_keys = []
        self.pending_placements = []
        self.pending_detail = []

    # -- finding the timelines a fact is about ------------------------------------------------

    def programme(self, code: str) -> Programme:
        self.coverage(code)  # refuses a programme that is not registered
        return cast(Programme, self.timelines.programme(code))

    def coverage(self, code: str) -> ProgrammeFold:
        """The fold of a registered programme (its registration and coverage as they stand).

        Kept by code until the batch records a programme event: a programme's fold is replaced,
        never changed in place, when one of its events is recorded.
        """
        fold = self.folds.get(code)
        if fold is not None:
            return fold
        programme = self.timelines.programme(code)
        fold = programme.state if programme is not None else None
        if fold is None or fold.registration is None:
            raise RuleViolation(1, f"programme {code!r} is not registered", field="programme")
        self.folds[code] = fold
        return fold

    def enrolment(self, fact: Fact, rule: int) -> Enrolment:
        programme = self.programme(fact.fields["programme"])
        enrolment = self.timelines.enrolment(programme.code, fact.fields["beneficiary"])
        if enrolment is None:
            raise RuleViolation(
                rule,
                f"beneficiary {fact.fields['beneficiary']!r} was never enrolled in "
                f"{programme.code!r}",
                field="beneficiary",
            )
        return enrolment

    def occupants(self, programme: str, districts: set[str] | None) -> list[Enrolment]:
        """Every enrolment ever placed in one of `districts` (all the programme's, if None)."""
        ids = {i.int for i in self.session.placements(programme, districts)}
        for (code, district), placed in self.placed.items():
            if code == programme and (districts is None or district in districts):
                ids |= placed
        return self.timelines.enrolments([UUID(int=i) for i in ids])

    def target(self, event_id: str) -> Timeline[Any]:
        key = self.known_keys.get("id:" + event_id)
        recent = self.window_events.get(event_id) or self.events_before.get(event_id)
        originator = UUID(recent) if recent else (key.originator_id if key else None)
        timeline = self.timelines.get(originator) if originator else None
        if timeline is None:
            raise RuleViolation(8, f"no event {event_id!r} is recorded", field="retracts")
        return timeline

    def payment_taken(self, key: str) -> Key | None:
        """The payment key already recorded (in the store, or in this window or the one before)."""
        recent = self.window_payments.get(key) or self.payments_before.get(key)
        if recent is not None:
            return Key(key, UUID(recent[0]), recent[1])
        return self.known_keys.get(key)

    def payment_free(self, key: str) -> bool:
        return (key not in self.window_payments and key not in self.payments_before
                and key not in self.known_keys)

    def payment_owner(self, programme: str, payment: str) -> Enrolment:
        key = self.payment_taken(_payment_key(programme, payment))
        owner = self.timelines.get(key.originator_id) if key else None
        if not isinstance(owner, Enrolment):
            raise RuleViolation(7, f"payment {payment!r} is not recorded in {programme!r}",
                                field="payment")
        return owner


# -- what each event does ----------------------------------------------------------------------


def _register(batch: Batch, fact: Fact, meta: Meta) -> Timeline[Any]:
    f = fact.fields
    existing = batch.timelines.programme(f["programme"])
    if existing is not None:
        existing.add_registration(programme=f["programme"], name=f["name"], benefit=f["benefit"],
                                  currency=f["currency"], meta=meta)
        return existing
    programme = Programme.register(programme=f["programme"], name=f["name"],
                                   benefit=f["benefit"], currency=f["currency"], meta=meta)
    batch.timelines.add(programme)
    return programme


def _expand(batch: Batch, fact: Fact, meta: Meta) -> Timeline[Any]:
    programme = batch.programme(fact.fields["programme"])
    programme.expand(fact.fields["district"], meta)
    return programme


def _withdraw(batch: Batch, fact: Fact, meta: Meta) -> Timeline[Any]:
    programme = batch.programme(fact.fields["programme"])
    district = fact.fields["district"]
    programme.withdraw(district, meta, batch.occupants(programme.code, {district}))
    return programme


def _enrol(batch: Batch, fact: Fact, meta: Meta) -> Timeline[Any]:
    f = fact.fields
    programme = batch.programme(f["programme"])
    enrolment = batch.timelines.enrolment(programme.code, f["beneficiary"])
    fresh = enrolment is None
    if enrolment is None:
        enrolment = Enrolment.start(programme, f["beneficiary"], meta)
    enrolment.enrol(programme=programme.code, beneficiary=f["beneficiary"], district=f["district"],
                    sex=f["sex"], birth_date=f["birth_date"], household=f["household"], meta=meta)
    if fresh:
        batch.timelines.add(enrolment)
    return enrolment


def _transfer(batch: Batch, fact: Fact, meta: Meta) -> Timeline[Any]:
    enrolment = batch.enrolment(fact, 4)
    enrolment.transfer(fact.fields["district"], meta)
    return enrolment


def _exit(batch: Batch, fact: Fact, meta: Meta) -> Timeline[Any]:
    enrolment = batch.enrolment(fact, 4)
    enrolment.exit(fact.fields["reason"], meta)
    return enrolment


def _pay(batch: Batch, fact: Fact, meta: Meta) -> Timeline[Any]:
    f = fact.fields
    enrolment = batch.enrolment(fact, 6)
    taken = batch.payment_taken(_payment_key(enrolment.programme, f["payment"]))
    if taken is not None:
        raise RuleViolation(6, f"payment id {f['payment']!r} is already used in this programme",
                            field="payment", contradicts=taken.digest)
    enrolment.pay(payment=f["payment"], amount=f["amount"], period=f["period"],
                  currency=f["currency"], meta=meta)
    return enrolment


def _reverse(batch: Batch, fact: Fact, meta: Meta) -> Timeline[Any]:
    f = fact.fields
    batch.programme(f["programme"])
    enrolment = batch.payment_owner(f["programme"], f["payment"])
    enrolment.reverse(f["payment"], f["reason"], meta)
    return enrolment


def _retract(batch: Batch, fact: Fact, meta: Meta) -> Timeline[Any]:
    target_id = fact.fields["retracts"]
    timeline = batch.target(target_id)
    if isinstance(timeline, Programme):
        target = timeline.event(target_id)
        district = getattr(target, "district", None)
        districts = None if isinstance(target, Programme.ProgrammeRegistered) else (
            {district} if district else set()
        )
        occupants = batch.occupants(timeline.code, districts) if districts != set() else []
        timeline.retract(target_id, fact.fields["reason"], meta, occupants)
    elif isinstance(timeline, Enrolment):
        timeline.retract(target_id, fact.fields["reason"], meta)
    return timeline


_HANDLERS: dict[str, Callable[[Batch, Fact, Meta], Timeline[Any]]] = {
    "ProgrammeRegistered": _register,
    "DistrictExpanded": _expand,
    "DistrictWithdrawn": _withdraw,
    "BeneficiaryEnrolled": _enrol,
    "BeneficiaryTransferred": _transfer,
    "BeneficiaryExited": _exit,
    "PaymentRecorded": _pay,
    "PaymentReversed": _reverse,
    "EventRetracted": _retract,
}


# -- the fast lane: events that sort last, checked against the enrolment's tail ---------------
#
# Each returns True when the event is recorded, False to leave it to the slow lane above (which
# records it, or refuses it with the exact reason). Both lanes write the same rows: each state is
# written here field by field in the event's own order (tests/storage/test_encoding.py holds it
# to the library's mapper).

_ENROLLED = layout(Enrolment.BeneficiaryEnrolled)
_TRANSFERRED = layout(Enrolment.BeneficiaryTransferred)
_EXITED = layout(Enrolment.BeneficiaryExited)
_PAID = layout(Enrolment.PaymentRecorded)


def _state(batch: Batch, fact: Fact, event_id: str, recorded: dt.datetime,
           **own: Any) -> dict[str, Any]:
    """A fast-lane event's state, ready for JSON: what every event carries, then its own fields,
    given in the event's field order."""
    return {"timestamp": stored_time(recorded), "event_id": event_id,
            "effective_date": stored_date(fact.effective_date),
            "operator": fact.operator or batch.operator, "note": fact.note, **own}


def _stage_fast(batch: Batch, fact: Fact, tail: EnrolmentTail, event: Layout, event_id: str,
                state: dict[str, Any], digest: str, recorded: dt.datetime) -> None:
    row = (tail.originator_hex, tail.version, event.topic, orjson.dumps(state))
    batch._stage_row(tail.key, row, event_id, digest, fact.origin.line, event.name,
                     fact.effective_date, recorded)
    batch.window_events[event_id] = tail.originator_hex


def _enrol_fast(batch: Batch, fact: Fact, event_id: str, digest: str,
                recorded: dt.datetime) -> bool:
    f = fact.fields
    code, beneficiary, district, birth_date = (f["programme"], f["beneficiary"], f["district"],
                                               f["birth_date"])
    fold = batch.coverage(code)
    tail = batch.timelines.tail(code, beneficiary)
    fresh = tail is None
    if tail is None:
        originator_id = enrolment_id(code, beneficiary)
        tail = EnrolmentTail(originator_id.int, originator_id.hex, code, beneficiary, 0, None)
    if not tail.enrol_if_accepted(fold, district, fact.effective_date, birth_date):
        return False
    if fresh:
        batch.timelines.add_tail(tail)
    state = _state(batch, fact, event_id, recorded, programme=code, beneficiary=beneficiary,
                   district=district, sex=f["sex"],
                   birth_date=None if birth_date is None else stored_date(birth_date),
                   household=f["household"])
    _stage_fast(batch, fact, tail, _ENROLLED, event_id, state, digest, recorded)
    batch._place(code, district, tail.key, tail.originator_hex)
    return True


def _transfer_fast(batch: Batch, fact: Fact, event_id: str, digest: str,
                   recorded: dt.datetime) -> bool:
    f = fact.fields
    fold = batch.coverage(f["programme"])
    tail = batch.timelines.tail(f["programme"], f["beneficiary"])
    district = f["district"]
    if tail is None or not tail.transfer_if_accepted(fold, district, fact.effective_date):
        return False
    state = _state(batch, fact, event_id, recorded, programme=tail.programme,
                   beneficiary=tail.beneficiary, district=district)
    _stage_fast(batch, fact, tail, _TRANSFERRED, event_id, state, digest, recorded)
    batch._place(tail.programme, district, tail.key, tail.originator_hex)
    return True


def _exit_fast(batch: Batch, fact: Fact, event_id: str, digest: str,
               recorded: dt.datetime) -> bool:
    f = fact.fields
    fold = batch.coverage(f["programme"])
    tail = batch.timelines.tail(f["programme"], f["beneficiary"])
    if tail is None or not tail.exit_if_accepted(fold, fact.effective_date):
        return False
    state = _state(batch, fact, event_id, recorded, programme=tail.programme,
                   beneficiary=tail.beneficiary, reason=f["reason"])
    _stage_fast(batch, fact, tail, _EXITED, event_id, state, digest, recorded)
    return True


def _pay_fast(batch: Batch, fact: Fact, event_id: str, digest: str,
              recorded: dt.datetime) -> bool:
    f = fact.fields
    code = f["programme"]
    fold = batch.coverage(code)
    tail = batch.timelines.tail(code, f["beneficiary"])
    if tail is None:
        return False
    payment_key = _payment_key(code, f["payment"])
    currency = f["currency"] or fold.registration.currency or ""  # type: ignore[union-attr]
    if not batch.payment_free(payment_key) or \
            not tail.pay_if_accepted(fold, fact.effective_date, currency):
        return False
    state = _state(batch, fact, event_id, recorded, programme=tail.programme,
                   beneficiary=tail.beneficiary, payment=f["payment"],
                   amount=stored_amount(f["amount"]), period=f["period"], currency=currency)
    _stage_fast(batch, fact, tail, _PAID, event_id, state, digest, recorded)
    batch.pending_keys.append((payment_key, tail.originator_hex, event_id))
    batch.window_payments[payment_key] = (tail.originator_hex, event_id)
    return True


_FAST: dict[str, Callable[[Batch, Fact, str, str, dt.datetime], bool]] = {
    "BeneficiaryEnrolled": _enrol_fast,
    "BeneficiaryTransferred": _transfer_fast,
    "BeneficiaryExited": _exit_fast,
    "PaymentRecorded": _pay_fast,
}


def _payment_key(programme: str, payment: str) -> str:
    return f"payment:{programme}:{payment}"


def _recorded_at(state: bytes | None) -> dt.datetime | None:
    if state is None:
        return None
    return dt.datetime.fromisoformat(json.loads(state)["timestamp"]["_data_"])

