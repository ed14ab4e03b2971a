"""Point-in-time projections: the ledger's events as columnar facts in DuckDB, and the tables
of SPEC §5 and §14 — as of any date, as known at any time — computed from them in SQL.

The read side of the ledger: it reads stored events in notification order and never loads an
aggregate; every question is one SQL pass over the facts.
"""

from __future__ import annotations

from projections.queries import counts, query, reach, replay, table
from projections.service import Projections
from projections.tables import TABLES, Table
from projections.when import PointInTime, parse_as_of, parse_known_at

__all__ = [
    "TABLES",
    "PointInTime",
    "Projections",
    "Table",
    "counts",
    "parse_as_of",
    "parse_known_at",
    "query",
    "reach",
    "replay",
    "table",
]
