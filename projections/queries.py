"""What analysts ask: counts, reach, a replay to Parquet and read-only SQL over the tables."""

from __future__ import annotations

import threading
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
    written: list[Snapshot] = []
    with ParquetLayout(out).snapshot(when.as_of) as staging:
        for name, spec in TABLES.items():
            if on_table is not None:
                on_table(name)
            rows = spec.compute(projections.connection, when, None)
            written.append(Snapshot(name, staging.write(name, rows), rows.num_rows))
    return written


def query(
    statement: str,
    *,
    projections: Projections | None = None,
    when: PointInTime | None = None,
    out: Path | None = None,
    limits: QueryLimits | None = None,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only SELECT over views named after the tables, within `limits`.

    The views read a replay folder (`out`) with an `as_of` column from the partitions, or else
    the store's projections as of `when` (with `as_of` as a column too).
    """
    limits = limits or QueryLimits()
    connection = duckdb.connect(":memory:", config={"threads": 1})
    try:
        connection.execute("SET TimeZone = 'UTC'")
        if out is not None:
            layout = ParquetLayout(out)
            layout.recover()
            files = _parquet_views(connection, layout)
        else:
            files = []
            if projections is not None and when is not None:
                _snapshot_views(connection, projections, when, _named_in(statement, TABLES))
        _seal(connection, files, limits)
        _check_read_only(connection, statement)
        return _run(connection, statement, limits)
    finally:
        connection.close()


MEMORY_LIMIT = "1GB"
TIME_LIMIT_S = 60.0


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """What one analyst's query may use: memory (DuckDB's limit) and wall time."""

    memory: str = MEMORY_LIMIT
    seconds: float = TIME_LIMIT_S


def _run(
    connection: duckdb.DuckDBPyConnection, statement: str, limits: QueryLimits
) -> tuple[list[str], list[tuple[Any, ...]]]:
    # DuckDB has no statement timeout: a timer interrupts the connection instead.
    expired = threading.Event()

    def interrupt() -> None:
        expired.set()
        connection.interrupt()

    timer = threading.Timer(limits.seconds, interrupt)
    timer.start()
    try:
        result = connection.execute(statement)
        columns = [d[0] for d in result.description or ()]
        return columns, result.fetchall()
    except duckdb.OutOfMemoryException:
        raise QueryError(
            f"the query needs more than the memory limit of {limits.memory} (--memory-limit)"
        ) from None
    except duckdb.Error as failure:
        if expired.is_set():
            raise QueryError(
                f"the query was stopped at the time limit of {limits.seconds:g} s (--timeout)"
            ) from None
        raise QueryError(str(failure).strip()) from None
    finally:
        timer.cancel()


def _parquet_views(connection: duckdb.DuckDBPyConnection, layout: ParquetLayout) -> list[str]:
    """A view per replayed table; the Parquet files they read (the only files a query may read)."""
    names = layout.tables()
    if not names:
        raise QueryError(f"no replayed tables under {layout.root}; run `ledger replay` first")
    files: list[str] = []
    for name in names:
        snapshots = layout.snapshots(name)
        relation = connection.read_parquet([str(f) for f in snapshots], hive_partitioning=True)
        relation.to_view(name)
        files.extend(str(f.resolve()) for f in snapshots)
    return files


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


def _seal(connection: duckdb.DuckDBPyConnection, files: list[str], limits: QueryLimits) -> None:
    """The analyst's SQL reads only the views' own Parquet files and changes no setting.

    Only these exact files are allowed (never a folder: a replay folder may hold the store
    itself), external access and extensions are off, spilling to disk is off (so the memory
    limit is a limit, not a way to write files), and the configuration is locked.
    """
    if files:
        connection.execute("SET allowed_paths = $1", [files])
    try:
        connection.execute("SET memory_limit = $1", [limits.memory])
    except duckdb.Error:
        raise QueryError(f"--memory-limit {limits.memory!r} is not a size (e.g. 512MB, 2GB)") from None
    connection.execute("SET temp_directory = ''")
    connection.execute("SET autoinstall_known_extensions = false")
    connection.execute("SET autoload_known_extensions = false")
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
    # Only a SELECT: an EXPLAIN may be EXPLAIN ANALYZE, which runs (and so may write with) the
    # statement it explains, whatever comments or parentheses surround the keywords.
    if kind != duckdb.StatementType.SELECT:
        raise QueryError(f"only SELECT queries are allowed here (not {kind.name})")


def sort_key(by: Sequence[str], key: tuple[Any, ...]) -> tuple[Any, ...]:
    parts: list[Any] = []
    for column, value in zip(by, key, strict=True):
        if column == "age_band":
            parts.append(AGE_BANDS.index(value) if value in AGE_BANDS else len(AGE_BANDS))
        else:
            parts.append((value is None, value or ""))
    return tuple(parts)
