"""What changed: between two dates, or between two knowledge times for the same date.

A comparison sets an earlier picture against a later one (each as of a date D, as known at a
time T — SPEC §4). Between dates, the later picture adds what took effect in between; between
knowledge times, it adds the late recordings and drops what was retracted in between. Each
programme gets its headline figures in both pictures (`before`, `after`) and, per kind of event,
how many events count in one and not the other (`added`, `removed`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from projections.queries import reach
from projections.service import Projections
from projections.sqlfiles import sql
from projections.when import PointInTime

CHANGE_COLUMNS = (
    "programme", "change", "before", "after", "added", "removed", "net", "beneficiaries",
    "amount_added", "amount_removed", "currency",
)
FIGURE_COLUMNS = ("programme", "change", "before", "after", "net")
EVENT_COLUMNS = ("programme", "change", "added", "removed", "net", "beneficiaries", "amount_added",
                 "amount_removed", "currency")
FIGURES = ("active_beneficiaries", "beneficiaries_ever", "districts_covered", "districts_reached")

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Comparison:
    """An earlier and a later picture of the ledger."""

    before: PointInTime
    after: PointInTime

    @classmethod
    def between_dates(cls, start: dt.date, end: dt.date, known_at: dt.datetime) -> Comparison:
        """As of `start` against as of `end` (after `start`), both as known at `known_at`."""
        if end <= start:
            raise ValueError(f"--to ({end}) must be after --from ({start})")
        return cls(PointInTime(start, known_at), PointInTime(end, known_at))

    @classmethod
    def between_knowledge(
        cls, as_of: dt.date, earlier: dt.datetime, later: dt.datetime
    ) -> Comparison:
        """As of `as_of`: as known at `earlier` against as known at `later`."""
        if later <= earlier:
            raise ValueError(f"--known-at ({later.isoformat()}) must be after "
                             f"--compared-to ({earlier.isoformat()})")
        return cls(PointInTime(as_of, earlier), PointInTime(as_of, later))

    def parameters(self, programme: str | None) -> dict[str, object]:
        return {
            "before_as_of": self.before.as_of,
            "before_known_at": self.before.known_at,
            "after_as_of": self.after.as_of,
            "after_known_at": self.after.known_at,
            "programme": programme,
        }

    def describe(self) -> str:
        """One line saying which two pictures are compared."""
        before, after = self.before, self.after
        if before.known_at == after.known_at:
            return (f"as of {before.as_of} → as of {after.as_of}, "
                    f"as known at {after.known_at.isoformat()}")
        return (f"as of {after.as_of}: as known at {before.known_at.isoformat()} → "
                f"as known at {after.known_at.isoformat()}")


def changes(projections: Projections, comparison: Comparison, programme: str | None = None
            ) -> list[Row]:
    """Per programme: its headline figures in both pictures, then each kind of event's change."""
    before = {r["programme"]: r for r in reach(projections, comparison.before, programme)}
    after = {r["programme"]: r for r in reach(projections, comparison.after, programme)}
    events: dict[str, list[Row]] = {}
    for row in _rows(projections, "changes_events", comparison.parameters(programme)):
        row["net"] = row["added"] - row["removed"]
        events.setdefault(row["programme"], []).append(row)
    rows: list[Row] = []
    for code in sorted(set(before) | set(after) | set(events)):
        for figure in FIGURES:
            old = before.get(code, {}).get(figure, 0)
            new = after.get(code, {}).get(figure, 0)
            rows.append({"programme": code, "change": figure, "before": old, "after": new,
                         "net": new - old})
        rows.extend(events.get(code, []))
    return rows


def data_quality(projections: Projections, when: PointInTime, programme: str | None = None
                 ) -> list[Row]:
    """Per programme: events counted, late recordings (after their month ended), recording
    delays, retractions and reversals — as of `when`."""
    return _rows(projections, "changes_quality", when.parameters(programme))


def _rows(projections: Projections, name: str, parameters: dict[str, object]) -> list[Row]:
    """The rows of `sql/<name>.sql` as dicts keyed by column name."""
    result = projections.connection.execute(sql(name), parameters)
    columns = [d[0] for d in result.description or ()]
    return [dict(zip(columns, values, strict=True)) for values in result.fetchall()]
