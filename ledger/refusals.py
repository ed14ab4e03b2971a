"""The refusals of one batch: the first thousand kept to report, the rest only counted.

A hostile file can break a rule on every one of millions of lines (a 14.6 KB gzip gave 5M
refusals, 845 MB of memory and 209 MB of messages); an operator needs the first ones and a count.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ledger.interchange.schema import FieldError

REPORTED = 1_000


class Refusals:
    """Every refusal counted; the first `reported` kept, in the order they were found."""

    def __init__(self, reported: int = REPORTED):
        self.reported = reported
        self.kept: list[FieldError] = []
        self.total = 0

    def add(self, refusal: FieldError) -> None:
        self.total += 1
        if len(self.kept) < self.reported:
            self.kept.append(refusal)

    def extend(self, refusals: Iterable[FieldError]) -> None:
        for refusal in refusals:
            self.add(refusal)

    @property
    def unreported(self) -> int:
        return self.total - len(self.kept)

    def __bool__(self) -> bool:
        return self.total > 0

    def __iter__(self) -> Iterator[FieldError]:
        return iter(self.kept)
