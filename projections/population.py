"""The store's population figures, copied into the projections' session for `coverage`.

Read through the store's reader on every open (a few thousand rows): the figures live in the
store, so every analyst's projections divide by the same ones.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ledger.population import figures
from ledger.storage.session import LedgerStore

_SCHEMA = pa.schema(
    [
        ("district", pa.string()),
        ("sex", pa.string()),
        ("age_band", pa.string()),
        ("year", pa.int32()),
        ("population", pa.int64()),
        ("source", pa.string()),
    ]
)


def load(connection: duckdb.DuckDBPyConnection, store: LedgerStore) -> int:
    """Replace the session's `population` table by the store's figures; return how many."""
    rows = figures(store)
    columns: list[tuple[object, ...]] = (
        list(zip(*rows, strict=True)) if rows else [() for _ in _SCHEMA]
    )
    arrow = pa.table(
        {f.name: pa.array(c, f.type) for f, c in zip(_SCHEMA, columns, strict=True)}
    )
    connection.register("population_rows", arrow)
    try:
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE population AS SELECT "
            "CAST(district AS VARCHAR) AS district, CAST(sex AS VARCHAR) AS sex, "
            "CAST(age_band AS VARCHAR) AS age_band, CAST(year AS INTEGER) AS year, "
            "CAST(population AS BIGINT) AS population, CAST(source AS VARCHAR) AS source "
            "FROM population_rows"
        )
    finally:
        connection.unregister("population_rows")
    return len(rows)
