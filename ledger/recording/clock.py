"""The time each line of a batch is recorded at: the ledger's clock, or a restore's own.

Recorded times never decrease. Live, every line of a batch is stamped with one time, never
earlier than the last recorded event's; the clock keeps the offset `now` was given in, and the
recording day (rule 9) is the day in that offset — the very day a restore reads off the time.
`import --historical` takes each line's `recorded_at` instead, in order, never in the future and
never before the latest signed checkpoint was made: what the ledger said it knew up to then is
signed, and no restore may add to it.
"""

from __future__ import annotations

import datetime as dt

from ledger.domain.errors import RuleViolation
from ledger.facts import Fact


class Clock:
    """Stamps the lines of one batch in order."""

    def __init__(self, now: dt.datetime, last_recorded: dt.datetime | None, *, historical: bool,
                 checkpointed: tuple[int, dt.datetime] | None = None):
        self.now = now
        self.historical = historical
        self.last_recorded = last_recorded
        self.checkpointed = checkpointed  # the latest checkpoint's number and time made
        last = last_recorded.astimezone(now.tzinfo) if last_recorded else None
        self.live = max(now, last) if last else now

    def stamp(self, fact: Fact) -> dt.datetime:
        """The time `fact` is recorded at (raises RuleViolation if its recorded_at is wrong)."""
        if not self.historical:
            if fact.recorded_at is not None:
                raise RuleViolation(
                    9,
                    "recorded_at is accepted only by `import --historical`; "
                    "otherwise the ledger's clock stamps each event",
                    field="recorded_at",
                )
            return self.live
        recorded = fact.recorded_at
        if recorded is None:
            raise RuleViolation(9, "`import --historical` needs recorded_at on every line",
                                field="recorded_at")
        if recorded > self.now:
            raise RuleViolation(9, f"{recorded.isoformat()} is in the future", field="recorded_at")
        if self.checkpointed is not None and recorded < self.checkpointed[1]:
            number, made = self.checkpointed
            raise RuleViolation(
                9,
                f"{recorded.isoformat()} is before {made.isoformat()}, when checkpoint "
                f"#{number} was made: what the ledger knew until then is signed, and a restore "
                "may not add to it",
                field="recorded_at",
            )
        if self.last_recorded is not None and recorded < self.last_recorded:
            raise RuleViolation(
                9,
                f"{recorded.isoformat()} is before {self.last_recorded.isoformat()}, "
                "the last recorded time before this line",
                field="recorded_at",
            )
        self.last_recorded = recorded
        return recorded
