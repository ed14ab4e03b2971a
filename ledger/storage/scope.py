"""A login's ledger role and, for an operator, the provinces and districts it records in (SPEC §12).

The database holds it (ledger/storage/pg_access.py) and the store reads it at each write; the
client's check of a file's lines against it is ledger/access/scope.py.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def _plural(word: str, items: frozenset[str]) -> str:
    return word + ("s" if len(items) > 1 else "")
