"""Errors the application reports: a refused batch lists every refused line."""

from __future__ import annotations

from collections.abc import Iterable

from ledger.domain.errors import LedgerError, RuleViolation
from ledger.interchange.schema import FieldError

__all__ = ["BatchRefused", "LedgerError", "RuleViolation", "StoreNotFound"]


class BatchRefused(LedgerError):
    """Nothing was recorded: these lines were refused (`file:line: field: reason`)."""

    def __init__(self, refusals: Iterable[FieldError], *, unreported: int = 0):
        self.refusals = list(refusals)  # the reported ones: the first REPORTED at most
        self.unreported = unreported  # refused too, only counted
        count = len(self.refusals) + unreported
        super().__init__(f"{count} line{'s' if count != 1 else ''} refused; nothing was recorded")

    def report(self) -> str:
        lines = [str(r) for r in self.refusals]
        if self.unreported:
            lines.append(f"… and {self.unreported} more refused (only the first "
                         f"{len(self.refusals)} are listed)")
        return "\n".join(lines)


class StoreNotFound(LedgerError):
    """The store named by --store holds no ledger yet."""
