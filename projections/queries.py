"""What analysts ask: counts, reach, a replay to Parquet and read-only SQL over the tables."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ledger.geography import load_geography
from projections.paths import ParquetLayout
from projections.service import Projections
from projections.tables import BENEFICIARY_COUNTS, PROGRAMME_SUMMARY, TABLES
from projections.when import PointInTime

COUNT_DIMENSIONS = ("programme", "province", "district", "sex", "age_band")
AGE_BANDS = ("0-1", "2-5", "6-11", "12-17", "18-59", "60+", "unknown")

Row = dict[str, Any]


class QueryError(ValueError):
    """A question the projections cannot answer as asked."""


def table(
    projections: Projections, name: str, when: PointInTime, programme: str | None = None
) -> pa.Table:
    """One of the tables as of `when` (for one programme, or all)."""
    try:
        spec = TABLES[name]
    except KeyError:
        raise QueryError(f"no table {name!r}; the tables are {', '.join(TABLES)}") from None
    return spec.compute(projections.connection, when, programme)


def counts(
    projections: Projections,
    when: PointInTime,
    *,
    by: Sequence[str] = ("programme",),
    programme: str | None = None,
) -> list[Row]:
    """Active beneficiaries grouped by some of programme, province, district, sex and age band."""
    unknown = [c for c in by if c not in COUNT_DIMENSIONS]
    if unknown or not by or len(set(by)) != len(by):
        raise QueryError(
            f"--by takes distinct names among {','.join(COUNT_DIMENSIONS)}"
            + (f" (not {', '.join(unknown)})" if unknown else "")
        )
    rows = BENEFICIARY_COUNTS.compute(projections.connection, when, programme).to_pylist()
    totals: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = tuple(row[c] for c in by)
        totals[key] = totals.get(key, 0) + int(row["beneficiaries"])
    ordered = sorted(totals.items(), key=lambda item: sort_key(by, item[0]))
    return [{**named(dict(zip(by, key, strict=True))), "beneficiaries": n} for key, n in ordered]


def shown_columns(by: Sequence[str]) -> list[str]:
    """The grouping columns, each geography code followed by its name."""
    shown: list[str] = []
    for column in by:
        shown.append(column)
        if column in ("province", "district"):
            shown.append(f"{column}_name")
    return shown


def named(group: Row) -> Row:
    """A group's keys with the names of its province and district beside their codes."""
    geography = load_geography()
    out: Row = {}
    for column, value in group.items():
        out[column] = value
        if column == "province":
            province = geography.provinces.get(value) if value else None
            out["province_name"] = province.name_en if province else None
        elif column == "district":
            district = geography.districts.get(value) if value else None
            out["district_name"] = district.name_en if district else None
    return out


def reach(projections: Projections, when: PointInTime, programme: str | None = None) -> list[Row]:
    """The programme_summary rows: beneficiaries, districts and provinces reached."""
    rows: list[Row] = PROGRAMME_SUMMARY.compute(projections.connection, when, programme).to_pylist()
    return rows


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One table written by a replay."""

    table: str
    path: Path
    rows: int


def replay(
    projections: Projections,
    when: PointInTime,
    out: Path,
    *,
    on_table: Callable[[str], None] | None = None,
) -> list[Snapshot]:
    """Write every table as of `when` under `out` (Hive-partitioned by as_of)."""
    layout = ParquetLayout(out)
    written: list[Snapshot] = []
    for name, spec in TABLES.items():
        if on_table is not None:
            on_table(name)
        rows = spec.compute(projections.connection, when, None)
        written.append(Snapshot(name, layout.write(name, when.as_of, rows), rows.num_rows))
    return written


def query(
    statement: str,
    *,
    projections: Projections | None = None,
    when: PointInTime | None = None,
    out: Path | None = None,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only SELECT over views named after the tables.

    The views read a replay folder (`out`) with an `as_of` column from the partitions, or else
    the store's projections as of `when` (with `as_of` as a column too).
    """
    connection = duckdb.connect(":memory:")
    try:
        connection.execute("SET TimeZone = 'UTC'")
        if out is not None:
            _parquet_views(connection, ParquetLayout(out))
        elif projections is not None and when is not None:
            _snapshot_views(connection, projections, when, _named_in(statement, TABLES))
        _seal(connection, out)
        _check_read_only(connection, statement)
        try:
            result = connection.execute(statement)
        except duckdb.Error as failure:
            raise QueryError(str(failure).strip()) from None
        columns = [d[0] for d in result.description or ()]
        return columns, result.fetchall()
    finally:
        connection.close()


def _parquet_views(connection: duckdb.DuckDBPyConnection, layout: ParquetLayout) -> None:
    names = layout.tables()
    if not names:
        raise QueryError(f"no replayed tables under {layout.root}; run `ledger replay` first")
    for name in names:
        relation = connection.read_parquet(layout.pattern(name), hive_partitioning=True)
        relation.to_view(name)


def _snapshot_views(
    connection: duckdb.DuckDBPyConnection,
    projections: Projections,
    when: PointInTime,
    names: Iterable[str],
) -> None:
    for name in names:
        rows = TABLES[name].compute(projections.connection, when, None)
        rows = rows.append_column(
            "as_of", pa.array([when.as_of] * rows.num_rows, pa.date32())
        )
        connection.from_arrow(rows).to_view(name)


def _named_in(statement: str, names: Mapping[str, object]) -> list[str]:
    """The tables a statement may use (a mention is enough; unused views cost a query each)."""
    lowered = statement.lower()
    return [n for n in names if n in lowered]


def _seal(connection: duckdb.DuckDBPyConnection, out: Path | None) -> None:
    """No file outside the replay folder can be read or written by the analyst's SQL.

    The statement-type check below keeps out writes; this keeps out what a SELECT can still do
    through table functions and EXPLAIN ANALYZE (which runs the statement it explains).
    """
    if out is not None:
        connection.execute("SET allowed_directories = $1", [[str(out.resolve())]])
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")


def _check_read_only(connection: duckdb.DuckDBPyConnection, statement: str) -> None:
    try:
        statements = connection.extract_statements(statement)
    except duckdb.Error as failure:
        raise QueryError(str(failure).strip()) from None
    if len(statements) != 1:
        raise QueryError("give exactly one SQL statement")
    kind = statements[0].type
    if kind not in (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN):
        raise QueryError(f"only SELECT queries are allowed here (not {kind.name})")
    if kind == duckdb.StatementType.EXPLAIN and _EXPLAIN_ANALYZE.match(statement):
        raise QueryError("EXPLAIN ANALYZE runs the statement it explains; use EXPLAIN")


_EXPLAIN_ANALYZE = re.compile(r"\s*explain\s+analy[sz]e\b", re.IGNORECASE)


def sort_key(by: Sequence[str], key: tuple[Any, ...]) -> tuple[Any, ...]:
    parts: list[Any] = []
    for column, value in zip(by, key, strict=True):
        if column == "age_band":
            parts.append(AGE_BANDS.index(value) if value in AGE_BANDS else len(AGE_BANDS))
        else:
            parts.append((value is None, value or ""))
    return tuple(parts)
