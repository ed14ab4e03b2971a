"""Recording a file: read it whole, check it as a whole against the ledger, store all or nothing.

SPEC §3: a file joins the timeline as a whole. Recording one runs inside one write transaction,
in three steps:

1. **Read.** Lines are taken a window at a time: each fact gets its id (given, or derived from
   its content) and its recorded time; the window's ids and payment ids are looked up in the
   store at once (a line recorded before is counted and skipped; an id taken by another event is
   refused); the facts are kept as columns (columns.py).
2. **Check.** The stored events of every timeline the file touches are fetched (touched.py) and
   every rule of ledger/rules/ is evaluated over them and the file's lines at once (rulebook.py).
3. **Store.** If no line is refused, the lines are encoded and appended in file order, chained,
   with their keys and placements (stage.py); otherwise every refused line is reported and the
   transaction is rolled back.

A single command is a file of one line.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice

import pyarrow as pa

from ledger.access import scope as access
from ledger.codec.fields import recorded_at
from ledger.domain.errors import RuleViolation
from ledger.errors import BatchRefused
from ledger.facts import Fact, Origin
from ledger.interchange.schema import FieldError
from ledger.recording.clock import Clock
from ledger.recording.columns import columns
from ledger.recording.receipt import Receipt
from ledger.recording.rulebook import REPEATS, TAKEN, Rulebook
from ledger.recording.stage import Restored, Stager
from ledger.recording.touched import Touched
from ledger.refusals import Refusals
from ledger.storage.errors import AccessRefused
from ledger.storage.session import Key, Session

WINDOW = 20_000  # lines whose ids are looked up together

Line = Fact | list[FieldError]


class Batch:
    """One file (or one command) being recorded inside a write session."""

    def __init__(self, session: Session, *, operator: str | None, historical: bool,
                 now: dt.datetime,
                 progress: Callable[[int], None] | None = None):
        self.session = session
        self.operator = operator or session.recorded_by  # declared, else who the store proves
        self.progress = progress
        self.refusals = Refusals()
        self.receipt = Receipt()
        if historical:
            _may_restore(session)
        self.clock = Clock(now, recorded_at(session.last_state()), historical=historical,
                           checkpointed=session.checkpointed_at() if historical else None)
        self.rulebook = Rulebook()
        self.touched = Touched(session)
        self.taken: list[tuple[str, str, str]] = []  # (programme, payment, event id) recorded
        self.repeats: list[tuple[int, int, str, str]] = []  # repeated payments naming a currency
        self.seq = 10**11  # a file's lines come after every stored event (timeline.sql: `moment`)
        self.restored = Restored() if historical else None  # each line's own record
        self.source = "<input>"  # the file's name, as its lines' origins give it

    def run(self, lines: Iterable[Line]) -> Receipt:
        """Check every line; record them all, or raise BatchRefused (nothing recorded)."""
        # A batch allocates millions of long-lived objects and no reference cycles; the cyclic
        # collector would re-scan them over and over for nothing.
        collecting = gc.isenabled()
        gc.disable()
        rulebook = self.rulebook
        try:
            self._read(lines)
            self._check()
            if not self.refusals and rulebook.count:
                self.session.write_behind()
                now = self.clock.now if self.restored else self.clock.live
                Stager(self.session, self.receipt, now, self.restored).stage(rulebook.recorded())
        finally:
            rulebook.close()
            if collecting:
                gc.enable()
        if self.refusals:
            raise BatchRefused(self.refusals, unreported=self.refusals.unreported)
        return self.receipt

    # -- 1. reading ----------------------------------------------------------------------------

    def _read(self, lines: Iterable[Line]) -> None:
        iterator = iter(lines)
        while window := list(islice(iterator, WINDOW)):
            facts = [line for line in window if isinstance(line, Fact)]
            if facts:
                self.source = facts[0].origin.source
            identities = [fact.identity() for fact in facts]
            known = self.touched.look_up(facts, [event_id for event_id, _ in identities])
            taken = iter(zip(facts, identities, strict=True))
            kept = _Kept()
            for line in window:
                if isinstance(line, Fact):
                    fact, (event_id, digest) = next(taken)
                    try:
                        self._take(fact, event_id, digest, known, kept)
                    except RuleViolation as violation:
                        self.refusals.add(FieldError(fact.origin, violation.field, str(violation)))
                else:
                    self.refusals.extend(line)
            if kept.facts:
                self.rulebook.take(columns(kept.facts, kept.seqs, kept.event_ids, kept.digests,
                                           kept.days, kept.operators, kept.owners))
            if self.progress:
                self.progress(len(window))

    def _take(self, fact: Fact, event_id: str, digest: str, known: dict[str, Key],
              kept: _Kept) -> None:
        recorded = known.get("id:" + event_id)
        if recorded is not None:
            if recorded.digest != digest:
                raise RuleViolation(
                    None, f"{event_id!r} is already recorded for a different event", field="id"
                )
            self.receipt.already_recorded += 1
            currency = fact.fields.get("currency")
            if fact.event == "PaymentRecorded" and currency is not None:
                self.seq += 1
                self.repeats.append((self.seq, fact.origin.line, fact.fields["programme"],
                                     currency))
            return
        if fact.recorded_by is not None and not self.clock.historical:
            raise RuleViolation(
                None,
                "recorded_by is accepted only by `import --historical` (restoring an export); "
                "otherwise the store stamps who recorded each event",
                field="recorded_by",
            )
        stamped = self.clock.stamp(fact)
        owner: str | None = None
        fields = fact.fields
        if fact.event == "PaymentRecorded":
            payment = known.get(_payment_key(fields["programme"], fields["payment"]))
            if payment is not None:
                self.taken.append((fields["programme"], fields["payment"], payment.digest))
        elif fact.event == "PaymentReversed":
            payment = known.get(_payment_key(fields["programme"], fields["payment"]))
            owner = payment.originator_id.hex if payment is not None else None
        elif fact.event == "EventRetracted":
            target = known.get("id:" + fields["retracts"])
            owner = target.originator_id.hex if target is not None else None
        self.seq += 1
        kept.facts.append(fact)
        kept.seqs.append(self.seq)
        kept.event_ids.append(event_id)
        kept.digests.append(digest)
        kept.days.append(stamped.date())
        kept.operators.append(fact.operator or self.operator)
        kept.owners.append(owner)
        if self.restored is not None:
            self.restored.stamps.append(stamped)
            self.restored.recorded_by.append(fact.recorded_by)

    # -- 2. checking ---------------------------------------------------------------------------

    def _check(self) -> None:
        rulebook = self.rulebook
        rulebook.check(
            self.touched.stored_rows(rulebook.named(), {repeat[2] for repeat in self.repeats}),
            pa.Table.from_pylist([dict(zip(TAKEN.names, t, strict=True)) for t in self.taken],
                                 schema=TAKEN),
            pa.Table.from_pylist([dict(zip(REPEATS.names, r, strict=True))
                                  for r in self.repeats], schema=REPEATS),
        )
        scope = getattr(self.session, "scope", None)
        if scope is not None:
            for line, event, kind, district, before in rulebook.placed():
                try:
                    access.check(scope, event, kind, district, before)
                except RuleViolation as refused:
                    self.refusals.add(FieldError(Origin(self.source, line), refused.field,
                                                 str(refused)))
        outside = {refusal.origin.line for refusal in self.refusals}  # one reason per line
        for broken in rulebook.violations():
            if broken.line not in outside:
                self.refusals.add(FieldError(Origin(self.source, broken.line), broken.field,
                                             broken.reason))
        self.refusals.kept.sort(key=lambda refusal: refusal.origin.line)


@dataclass
class _Kept:
    """The lines of a window to record, with what the batch gave each (columns.py)."""

    facts: list[Fact] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    days: list[dt.date] = field(default_factory=list)
    operators: list[str] = field(default_factory=list)
    owners: list[str | None] = field(default_factory=list)


def _may_restore(session: Session) -> None:
    """A restore (`import --historical`) sets recorded times and who recorded: an admin act.

    On PostgreSQL only the store's owner or a login holding the admin role may (the database's
    `ledger_append` refuses it again); a SQLite store is its file owner's, who is its admin.
    """
    scope = getattr(session, "scope", None)
    if scope is not None and scope.role != "admin":
        raise AccessRefused(
            f"`import --historical` restores an export (its recorded times and who recorded "
            f"each event): only an admin of this ledger may; the login {scope.login} is an "
            f"{scope.role}; nothing was recorded"
        )


def _payment_key(programme: str, payment: str) -> str:
    return f"payment:{programme}:{payment}"
