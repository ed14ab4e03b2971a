"""An operator's scope, checked line by line before anything is appended (SPEC §12).

The database holds the scope and enforces it (ledger/storage/pg_access.py): this check exists so
a refusal names the line and the district, and every out-of-scope line of a file is reported.
It follows the database's rule: an event on an enrolment needs the district it names (an
enrolment's, a transfer's destination) and the beneficiary's district before it in scope;
programme events need an admin.
"""

from __future__ import annotations

from ledger.domain.errors import RuleViolation
from ledger.storage.scope import PROGRAMME_EVENTS, RECORDS, ROLES, Scope

__all__ = ["ROLES", "Scope", "check"]

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
    if kind == "district":  # SPEC §15: a boundary change is the ministry's, nationally
        raise RuleViolation(None, f"{event} is a geography event: only an admin records it "
                            f"({scope.login} is an operator)", field="event")
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
