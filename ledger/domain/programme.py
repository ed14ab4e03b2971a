"""A programme: its registration and the districts it covers, over time."""

from __future__ import annotations

from ledger.domain.timeline import Timeline

BENEFITS = ("cash", "in-kind")
DEFAULT_CURRENCY = "LAK"


class Programme(Timeline):
    """A social-protection programme and the districts it covers, over time."""

    class ProgrammeRegistered(Timeline.Event):
        programme: str
        name: str
        benefit: str
        currency: str | None

    class DistrictExpanded(Timeline.Event):
        programme: str
        district: str

    class DistrictWithdrawn(Timeline.Event):
        programme: str
        district: str

    class EventRetracted(Timeline.EventRetracted):
        programme: str
