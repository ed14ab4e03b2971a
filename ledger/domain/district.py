"""A district: its establishment, renamings and retirement, over time (SPEC §15).

The shipped reference geography is the state before any of these events: a district of it has
no establishment, and a timeline only once it is renamed or retired. A district established by
the ledger was carved from others (`carved_from`, the interchange format's `from`); a retired
one names its successors, the districts its territory and people went to.
"""

from __future__ import annotations

from ledger.domain.timeline import Timeline


class District(Timeline):
    """One district code, from its establishment (or the shipped geography) to its retirement."""

    class DistrictEstablished(Timeline.Event):
        district: str
        province: str
        name: str
        carved_from: list[str] | None

    class DistrictRenamed(Timeline.Event):
        district: str
        name: str

    class DistrictRetired(Timeline.Event):
        district: str
        successors: list[str]

    class EventRetracted(Timeline.EventRetracted):
        district: str
