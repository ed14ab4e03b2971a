"""Errors the application reports: a refused batch lists every refused line."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.domain.errors import LedgerError, RuleViolation
from ledger.interchange.schema import FieldError

__all__ = ["BatchRefused", "LedgerError", "RuleViolation", "StoreNotFound"]


class BatchRefused(LedgerError):
    """Nothing was recorded: these lines were refused (`file:line: field: reason`)."""

    def __init__(self, refusals: Sequence[FieldError]):
        self.refusals = list(refusals)
        count = len(self.refusals)
        super().__init__(f"{count} line{'s' if count != 1 else ''} refused; nothing was recorded")

    def report(self) -> str:
        return "\n".join(str(r) for r in self.refusals)


class StoreNotFound(LedgerError):
    """The store named by --store holds no ledger yet."""
