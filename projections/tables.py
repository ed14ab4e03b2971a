"""The output tables of SPEC §5 and §14: their names, grain and columns, each computed by one SQL file."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from projections.sqlfiles import sql
from projections.when import PointInTime


@dataclass(frozen=True, slots=True)
class Table:
    """An output table: `sql/<name>.sql` computes it; a row is one `grain`."""

    name: str
    grain: str
    columns: tuple[str, ...]

    def compute(
        self, connection: duckdb.DuckDBPyConnection, when: PointInTime, programme: str | None
    ) -> pa.Table:
        """The table's rows as of `when`, for one programme or (None) all, in a fixed order."""
        text = sql(self.name)
        parameters = {k: v for k, v in when.parameters(programme).items() if f"${k}" in text}
        if "$current" in text:
            parameters["current"] = _knows_everything(connection, when)
        return connection.sql(text, params=parameters).to_arrow_table()


def _knows_everything(connection: duckdb.DuckDBPyConnection, when: PointInTime) -> bool:
    """Whether `when.known_at` is at or after the last recording (current_timeline applies)."""
    rows = connection.execute("SELECT latest_recorded_at FROM progress").fetchall()
    latest = rows[0][0] if rows else None
    return latest is None or when.known_at >= latest


# Beside the codes (which stay the keys): the geography's English names, for people.
NAMES = ("province_name", "district_name")

BENEFICIARY_COUNTS = Table(
    "beneficiary_counts",
    "programme × district × sex × age band",
    (
        "programme", "province", "district", "sex", "age_band", "beneficiaries",
        *NAMES, "known_at",
    ),
)
DISTRICT_REACH = Table(
    "district_reach",
    "programme × district",
    (
        "programme", "province", "district", "covered", "covered_since", "beneficiaries",
        *NAMES, "known_at",
    ),
)
PROGRAMME_SUMMARY = Table(
    "programme_summary",
    "programme",
    (
        "programme",
        "active_beneficiaries",
        "beneficiaries_ever",
        "districts_covered",
        "districts_reached",
        "provinces_covered",
        "known_at",
    ),
)
PAYMENTS = Table(
    "payments",
    "programme × district × period",
    (
        "programme",
        "province",
        "district",
        "period",
        "payments",
        "beneficiaries_paid",
        "amount",
        "currency",
        *NAMES,
        "known_at",
    ),
)
MONTHLY = Table(
    "monthly",
    "programme × month-end up to as_of",
    (
        "programme",
        "month_end",
        "active_beneficiaries",
        "entries",
        "exits",
        "districts_covered",
        "districts_reached",
        "known_at",
    ),
)

COVERAGE = Table(
    "coverage",
    "programme × district × sex × age band",
    (
        "programme",
        "province",
        "district",
        "sex",
        "age_band",
        "beneficiaries",
        "population",
        "coverage",
        "population_year",
        "population_source",
        *NAMES,
        "known_at",
    ),
)

DISTRICTS = Table(
    "districts",
    "district (SPEC §15: every district of the geography, with its validity and successors)",
    ("district", "province", "district_name", "valid_from", "valid_to", "exists_on_as_of",
     "successors", "known_at"),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (BENEFICIARY_COUNTS, DISTRICT_REACH, PROGRAMME_SUMMARY, PAYMENTS, MONTHLY, COVERAGE,
              DISTRICTS)
}
