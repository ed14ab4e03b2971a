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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Mapper

from ledger.domain.enrolment import Enrolment
from ledger.domain.errors import RuleViolation
from ledger.domain.ids import enrolment_id, programme_id
from ledger.domain.programme import Programme
from ledger.domain.timeline import Meta, Timeline, event_name
from ledger.errors import BatchRefused
from ledger.facts import Fact
from ledger.interchange.schema import FieldError
from ledger.storage.session import Key, Placement, Session
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
        self.refusals: list[FieldError] = []
        self.receipt = Receipt()
        # What one window needs; earlier windows' events are appended by then, and the session
        # (same transaction) finds them, so these stay small whatever the batch's size.
        self.known_keys: dict[str, Key] = {}
        self.window_events: dict[str, UUID] = {}  # event id -> timeline, recorded in this window
        self.window_payments: dict[str, Key] = {}
        self.lines_of: dict[str, int] = {}  # event id -> line, for the whole batch
        self.placed: dict[tuple[str, str], set[int]] = {}  # enrolments placed, by UUID int
        self.pending: list[Timeline.Event] = []
        self.pending_keys: list[Key] = []
        self.pending_placements: list[Placement] = []
        self.last_recorded = _recorded_at(session.last_state())
        self.clock = max(now, self.last_recorded) if self.last_recorded else now
        self.clock_day = self.clock.astimezone().date()  # the recording day, local time

    # -- driving -------------------------------------------------------------------------------

    def run(self, lines: Iterable[Line]) -> Receipt:
        """Check and stage every line; raise BatchRefused (nothing kept) if any was refused."""
        # A batch allocates millions of long-lived objects and no reference cycles; the cyclic
        # collector would re-scan them over and over for nothing.
        collecting = gc.isenabled()
        gc.disable()
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
            self._prefetch(facts, [event_id for event_id, _ in identities.values()])
            for line in window:
                if isinstance(line, Fact):
                    self._take(line, *identities[id(line)])
                else:
                    self.refusals.extend(line)
            # Appended even after a refusal (the transaction will be rolled back): later lines
            # are then checked against everything before them, so no refusal is spurious.
            self._flush()
            self._close_window()
            if self.progress:
                self.progress(len(window))
        if self.refusals:
            raise BatchRefused(self.refusals)
        return self.receipt

    def _prefetch(self, facts: list[Fact], event_ids: list[str]) -> None:
        """Fetch the keys and timelines a window of facts needs, in bulk."""
        id_keys = {"id:" + event_id for event_id in event_ids}
        self.known_keys.update(self.session.find_keys(id_keys - self.known_keys.keys()))
        keys: set[str] = set()
        targets: set[str] = set()  # keys whose timelines are needed, not just their existence
        ids: set[UUID] = set()
        for fact, event_id in zip(facts, event_ids, strict=True):
            if "id:" + event_id in self.known_keys:
                continue  # already recorded: nothing of it needs loading
            programme: str = fact.fields.get("programme", "")
            if programme:
                ids.add(programme_id(programme))
            beneficiary = fact.fields.get("beneficiary")
            if programme and beneficiary is not None:
                ids.add(enrolment_id(programme, beneficiary))
            if fact.event == "PaymentRecorded":
                keys.add(_payment_key(programme, fact.fields["payment"]))
            elif fact.event == "PaymentReversed":
                targets.add(_payment_key(programme, fact.fields["payment"]))
            elif fact.event == "EventRetracted":
                targets.add("id:" + fact.fields["retracts"])
        keys |= targets
        self.known_keys.update(self.session.find_keys(keys - self.known_keys.keys()))
        ids.update(self.known_keys[k].originator_id for k in targets if k in self.known_keys)
        self.timelines.preload(ids)

    # -- one fact ------------------------------------------------------------------------------

    def _take(self, fact: Fact, event_id: str, digest: str) -> None:
        try:
            self._apply(fact, event_id, digest)
        except RuleViolation as violation:
            self.refusals.append(FieldError(fact.origin, violation.field, str(violation)))

    def _apply(self, fact: Fact, event_id: str, digest: str) -> None:
        earlier = self.lines_of.get(event_id)
        if earlier is not None:
            raise RuleViolation(None, f"{event_id!r} is also the id of line {earlier}", field="id")
        known = self.known_keys.get("id:" + event_id)
        if known is not None:
            if known.digest != digest:
                raise RuleViolation(
                    None, f"{event_id!r} is already recorded for a different event", field="id"
                )
            self._check_repeated_payment(fact)
            self.receipt.already_recorded += 1
            return
        meta = Meta(
            event_id=event_id,
            effective_date=fact.effective_date,
            operator=fact.operator or self.operator,
            note=fact.note,
            timestamp=self._recorded_time(fact),
        )
        timeline = _HANDLERS[fact.event](self, fact, meta)
        self._stage(fact, timeline, digest)

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

    def _stage(self, fact: Fact, timeline: Timeline[Any], digest: str) -> None:
        for collected in timeline.collect_events():
            event = cast(Timeline.Event, collected)
            self.pending.append(event)
            self.pending_keys.append(Key("id:" + event.event_id, timeline.id, digest))
            self.lines_of[event.event_id] = fact.origin.line
            self.window_events[event.event_id] = timeline.id
            if isinstance(event, Enrolment.PaymentRecorded):
                key = Key(_payment_key(event.programme, event.payment), timeline.id,
                          event.event_id)
                self.pending_keys.append(key)
                self.window_payments[key.key] = key
            elif isinstance(event, Enrolment.BeneficiaryEnrolled | Enrolment.BeneficiaryTransferred):
                place = (event.programme, event.district)
                placed = self.placed.setdefault(place, set())
                if timeline.id.int not in placed:
                    placed.add(timeline.id.int)
                    self.pending_placements.append(Placement(*place, timeline.id))

    def _flush(self) -> None:
        if not self.pending:
            return
        stored = [self.mapper.to_stored_event(event) for event in self.pending]
        positions = self.session.append(stored, self.pending_keys, self.pending_placements)
        receipt = self.receipt
        if receipt.first_position is None:
            receipt.first_position = positions[0]
        receipt.last_position = positions[-1]
        for event, position in zip(self.pending, positions, strict=True):
            if receipt.count < RECEIPT_DETAIL:
                receipt.events.append(
                    Recorded(event.event_id, event_name(event), position, event.effective_date,
                             event.timestamp)
                )
            receipt.count += 1
        self.pending = []
        self.pending_keys = []
        self.pending_placements = []

    def _close_window(self) -> None:
        """Everything of the window is appended: forget what the session can find again."""
        self.known_keys.clear()
        self.window_events.clear()
        self.window_payments.clear()
        self.timelines.shrink()

    # -- finding the timelines a fact is about ------------------------------------------------

    def programme(self, code: str) -> Programme:
        programme = self.timelines.programme(code)
        if programme is None or programme.registration is None:
            raise RuleViolation(1, f"programme {code!r} is not registered", field="programme")
        return programme

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
        originator = self.window_events.get(event_id) or (key.originator_id if key else None)
        timeline = self.timelines.get(originator) if originator else None
        if timeline is None:
            raise RuleViolation(8, f"no event {event_id!r} is recorded", field="retracts")
        return timeline

    def payment_owner(self, programme: str, payment: str) -> Enrolment:
        key = self.window_payments.get(_payment_key(programme, payment)) or self.known_keys.get(
            _payment_key(programme, payment)
        )
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
    key = _payment_key(enrolment.programme, f["payment"])
    taken = batch.window_payments.get(key) or batch.known_keys.get(key)
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


def _payment_key(programme: str, payment: str) -> str:
    return f"payment:{programme}:{payment}"


def _recorded_at(state: bytes | None) -> dt.datetime | None:
    if state is None:
        return None
    return dt.datetime.fromisoformat(json.loads(state)["timestamp"]["_data_"])

