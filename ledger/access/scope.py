"""An operator's scope, checked line by line before anything is appended (SPEC §12).

The database holds the scope and enforces it (ledger/storage/pg_access.py): this check exists so
a refusal names the line and the district, and every out-of-scope line of a file is reported.
It follows the database's rule: an event on an enrolment needs the district it names (an
enrolment's, a transfer's destination) and the beneficiary's district before it in scope;
programme events need an admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.errors import RuleViolation

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


def check(scope: Scope | None, event: str, kind: str | None, district: str | None,
          before: str | None) -> None:
    """Raise RuleViolation if `scope` may not record a line: its event, the timeline kind it
    joins, the district it names and the beneficiary's district before it (the last one
    recorded on its timeline, as the database's check takes it)."""
    if scope is None or scope.role == "admin":
        return
    if scope.role not in RECORDS:
        raise RuleViolation(None, f"{scope.login} is an {scope.role}: it records nothing",
                            field="event")
    if event in PROGRAMME_EVENTS:
        _programme_event(scope, event)
    if kind == "programme":
        _programme_event(scope, "a retraction of a programme event")
    if event == "BeneficiaryEnrolled":
        _require(scope, district, "")
        return
    if before is not None:
        _require(scope, before, "the beneficiary's ")
    if event == "BeneficiaryTransferred":
        _require(scope, district, "the destination ")


def _programme_event(scope: Scope, what: str) -> None:
    raise RuleViolation(None, f"{what} is a programme event: only an admin records it "
                        f"({scope.login} is an operator)", field="event")


def _require(scope: Scope, district: str | None, lead: str) -> None:
    if not scope.covers(district):
        raise RuleViolation(None, f"{lead}district {district or '(none)'} is outside your scope "
                            f"({scope.login}: {scope.describe()})",
                            field="district")


def _plural(word: str, items: frozenset[str]) -> str:
    return word + ("s" if len(items) > 1 else "")
