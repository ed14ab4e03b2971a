"""Districts as recorded, or on today's map (SPEC §15: `--geography current`).

As recorded (the default), a beneficiary counts in the district its enrolment or transfer
names. On today's map, one in a district since retired counts where that district's
retirement moved it (sql/district_map.sql): the queries read the same macros, with
`district_map` filled for the question's `known_at` and emptied after.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from projections.sqlfiles import sql
from projections.when import PointInTime

GEOGRAPHIES = ("recorded", "current")
_CHAINS = 8  # successors retired in their turn, followed this far


@contextmanager
def on_map(connection: duckdb.DuckDBPyConnection, when: PointInTime,
           geography: str = "recorded") -> Iterator[None]:
    """Answer the questions asked inside on `geography`'s map."""
    if geography != "current":
        yield
        return
    connection.execute(sql("district_map"), {"known_at": when.known_at})
    for _ in range(_CHAINS):  # a successor since retired: on to its own first successor
        connection.execute(
            "UPDATE district_map AS m SET mapped = next.mapped FROM district_map AS next "
            "WHERE next.originator IS NULL AND next.district = m.mapped"
        )
    try:
        yield
    finally:
        connection.execute("DELETE FROM district_map")
