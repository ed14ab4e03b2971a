"""An operator's scope, checked line by line before anything is appended (SPEC §12).

The database holds the scope and enforces it (ledger/storage/pg_access.py): this check exists so
a refusal names the line and the district, and every out-of-scope line of a file is reported.
It follows the database's rule: an event on an enrolment needs the district it names (an
enrolment's, a transfer's destination) and the beneficiary's district before it in scope;
programme events need an admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ledger.domain.enrolment import Enrolment
from ledger.domain.errors import RuleViolation
from ledger.domain.programme import Programme
from ledger.facts import Fact

ROLES = ("operator", "auditor", "analyst", "admin")
PROGRAMME_EVENTS = frozenset({"ProgrammeRegistered", "DistrictExpanded", "DistrictWithdrawn"})
RECORDS = frozenset({"operator", "admin"})


@dataclass(frozen=True, slots=True)
class Scope:
    """A login's ledger role and, for an operator, the provinces and districts it records in."""

    login: str
    role: str
    provinces: frozenset[str] = frozenset()
    districts: frozenset[str] = frozenset()

    def covers(self, district: str | None) -> bool:
        if self.role == "admin":
            return True
        return district is not None and (district in self.districts
                                         or district[:2] in self.provinces)

    def describe(self) -> str:
        """`province 17`, `provinces 01, 02; district 0301`, `everywhere`, `nowhere`."""
        if self.role == "admin":
            return "everywhere"
        parts = [f"{_plural('province', self.provinces)} {', '.join(sorted(self.provinces))}"
                 if self.provinces else "",
                 f"{_plural('district', self.districts)} {', '.join(sorted(self.districts))}"
                 if self.districts else ""]
        return "; ".join(p for p in parts if p) or "nowhere"


class _Batch(Protocol):
    """What the check reads of a batch (ledger/batch.py)."""

    session: Any
    timelines: Any

    def target(self, event_id: str) -> Any: ...

    def payment_owner(self, programme: str, payment: str) -> Enrolment: ...


def check(batch: _Batch, fact: Fact) -> None:
    """Raise RuleViolation if the session's login may not record `fact` (before it is applied)."""
    scope: Scope | None = getattr(batch.session, "scope", None)
    if scope is None or scope.role == "admin":
        return
    if scope.role not in RECORDS:
        raise RuleViolation(None, f"{scope.login} is an {scope.role}: it records nothing",
                            field="event")
    event, fields = fact.event, fact.fields
    if event in PROGRAMME_EVENTS:
        _programme_event(scope, event)
    if event == "BeneficiaryEnrolled":
        _require(scope, fields["district"], "")
        return
    if event == "EventRetracted":
        timeline = batch.target(fields["retracts"])
        if isinstance(timeline, Programme):
            _programme_event(scope, "a retraction of a programme event")
        if isinstance(timeline, Enrolment):
            _require(scope, _district_of(batch, timeline.programme, timeline.beneficiary),
                     "the beneficiary's ")
        return
    if event == "PaymentReversed":
        owner = batch.payment_owner(fields["programme"], fields["payment"])
        _require(scope, _district_of(batch, owner.programme, owner.beneficiary),
                 "the beneficiary's ")
        return
    current = _district_of(batch, fields["programme"], fields["beneficiary"])
    if current is None:
        return  # never enrolled: the rules refuse it with their own reason
    _require(scope, current, "the beneficiary's ")
    if event == "BeneficiaryTransferred":
        _require(scope, fields["district"], "the destination ")


def _programme_event(scope: Scope, what: str) -> None:
    raise RuleViolation(None, f"{what} is a programme event: only an admin records it "
                        f"({scope.login} is an operator)", field="event")


def _require(scope: Scope, district: str | None, lead: str) -> None:
    if not scope.covers(district):
        raise RuleViolation(None, f"{lead}district {district or '(none)'} is outside your scope "
                            f"({scope.login}: {scope.describe()})",
                            field="district")


def _district_of(batch: _Batch, programme: str, beneficiary: str) -> str | None:
    """The beneficiary's district: where it is active, else the last district recorded for it."""
    tail = batch.timelines.tail(programme, beneficiary)
    if tail is not None and tail.district is not None:
        return str(tail.district)
    enrolment = batch.timelines.enrolment(programme, beneficiary)
    if enrolment is None:
        return None
    placed = [e.district for e in sorted(enrolment.events, key=lambda e: e.originator_version)
              if isinstance(e, Enrolment.BeneficiaryEnrolled | Enrolment.BeneficiaryTransferred)]
    return placed[-1] if placed else None


def _plural(word: str, items: frozenset[str]) -> str:
    return word + ("s" if len(items) > 1 else "")
