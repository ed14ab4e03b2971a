"""Domain errors: a refusal names the rule it enforces and, where there is one, the fact it contradicts."""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger reports to its users."""


class RuleViolation(LedgerError):
    """An event was refused because the timeline with it would break a rule of SPEC §3."""

    def __init__(
        self, rule: int | None, message: str, *, field: str = "event", contradicts: str | None = None
    ):
        self.rule = rule
        self.message = message
        self.field = field
        self.contradicts = contradicts
        super().__init__(message)

    def __str__(self) -> str:
        rule = f" [rule {self.rule}]" if self.rule is not None else ""
        contradicts = f" (contradicts event {self.contradicts})" if self.contradicts else ""
        return f"{self.message}{rule}{contradicts}"
