"""What a batch recorded: how many events, at which positions, and how many were known already."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

DETAIL = 1_000  # a receipt lists recorded events one by one up to this many


@dataclass(frozen=True, slots=True)
class Recorded:
    """One recorded event, as a receipt shows it."""

    event_id: str
    event: str
    position: int
    effective_date: dt.date
    recorded_at: dt.datetime


@dataclass
class Receipt:
    """What a batch recorded: how many events, at which positions, and how many were known already."""

    count: int = 0
    already_recorded: int = 0
    first_position: int | None = None
    last_position: int | None = None
    events: list[Recorded] = field(default_factory=list)

    def add(self, positions: range, detail: list[tuple[str, str, dt.date, dt.datetime]]) -> None:
        """Events just appended at `positions` (the first few described one by one)."""
        if not positions:
            return
        if self.first_position is None:
            self.first_position = positions[0]
        self.last_position = positions[-1]
        for (event_id, name, effective, recorded), position in zip(detail, positions,
                                                                    strict=False):
            if len(self.events) < DETAIL:
                self.events.append(Recorded(event_id, name, position, effective, recorded))
        self.count += len(positions)
