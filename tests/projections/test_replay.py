"""Replays to Parquet: the Hive layout, identical output for identical input, and what analysts
read back with DuckDB, pandas and Polars — and read-only SQL over the tables."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest
from pilot_history import PILOT

from ledger.bootstrap import open_ledger
from projections import TABLES, Projections, query, replay
from projections.paths import ParquetLayout
from projections.queries import QueryError

AS_OF = dt.date(2021, 12, 31)


@pytest.fixture
def projections(tmp_path: Path) -> Iterator[Projections]:
    ledger = open_ledger(str(tmp_path / "ledger.db"), create=True)
    ledger.record_dicts(PILOT, operator="pilot", historical=True)
    try:
        with Projections.of_store(ledger.store, path=tmp_path / "p.duckdb") as projections:
            yield projections
    finally:
        ledger.close()


def test_replay_writes_one_partition_per_table_and_date(
    projections: Projections, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    replay(projections, projections.point_in_time(AS_OF), out)
    replay(projections, projections.point_in_time(dt.date(2021, 7, 31)), out)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.parquet"))
    assert files == sorted(
        f"{name}/as_of={day}/data.parquet"
        for name in TABLES for day in ("2021-07-31", "2021-12-31")
    )


def test_identical_events_give_identical_files(projections: Projections, tmp_path: Path) -> None:
    when = projections.point_in_time(AS_OF)
    first = replay(projections, when, tmp_path / "a")
    projections.rebuild()
    second = replay(projections, when, tmp_path / "b")
    for a, b in zip(first, second, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes(), a.table


def test_duckdb_pandas_and_polars_read_the_snapshots_side_by_side(
    projections: Projections, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    for day in (dt.date(2021, 7, 31), AS_OF):
        replay(projections, projections.point_in_time(day), out)
    pattern = str(out / "programme_summary" / "*" / "*.parquet")

    rows = duckdb.sql(
        "SELECT as_of, active_beneficiaries FROM read_parquet($p, hive_partitioning = true) "
        "ORDER BY as_of", params={"p": pattern}
    ).fetchall()
    assert rows == [(dt.date(2021, 7, 31), 4), (AS_OF, 3)]

    frame = pd.read_parquet(out / "programme_summary").sort_values("as_of")
    assert frame["active_beneficiaries"].tolist() == [4, 3]
    assert [str(v) for v in frame["as_of"]] == ["2021-07-31", "2021-12-31"]

    polars = pl.read_parquet(pattern, hive_partitioning=True).sort("as_of")
    assert polars["active_beneficiaries"].to_list() == [4, 3]
    assert polars["as_of"].to_list() == [dt.date(2021, 7, 31), AS_OF]


def test_parquet_columns_have_the_documented_types(
    projections: Projections, tmp_path: Path
) -> None:
    replay(projections, projections.point_in_time(AS_OF), tmp_path / "out")
    described = duckdb.sql(
        "DESCRIBE SELECT * FROM read_parquet($p)",
        params={"p": str(tmp_path / "out" / "payments" / "*" / "*.parquet")},
    ).fetchall()
    assert [(c[0], c[1]) for c in described] == [
        ("programme", "VARCHAR"), ("province", "VARCHAR"), ("district", "VARCHAR"),
        ("period", "VARCHAR"), ("payments", "BIGINT"), ("beneficiaries_paid", "BIGINT"),
        ("amount", "DECIMAL(38,2)"), ("currency", "VARCHAR"),
        ("province_name", "VARCHAR"), ("district_name", "VARCHAR"),
        ("known_at", "TIMESTAMP WITH TIME ZONE"), ("as_of", "DATE"),  # from the folder name
    ]


def test_coverage_parquet_has_the_documented_columns_and_names(
    projections: Projections, tmp_path: Path
) -> None:
    replay(projections, projections.point_in_time(AS_OF), tmp_path / "out")
    described = duckdb.sql(
        "DESCRIBE SELECT * FROM read_parquet($p)",
        params={"p": str(tmp_path / "out" / "coverage" / "*" / "*.parquet")},
    ).fetchall()
    assert [(c[0], c[1]) for c in described] == [
        ("programme", "VARCHAR"), ("province", "VARCHAR"), ("district", "VARCHAR"),
        ("sex", "VARCHAR"), ("age_band", "VARCHAR"), ("beneficiaries", "BIGINT"),
        ("population", "BIGINT"), ("coverage", "DOUBLE"), ("population_year", "INTEGER"),
        ("population_source", "VARCHAR"), ("province_name", "VARCHAR"),
        ("district_name", "VARCHAR"), ("known_at", "TIMESTAMP WITH TIME ZONE"),
        ("as_of", "DATE"),
    ]
    names = duckdb.sql(
        "SELECT DISTINCT district, district_name, province_name FROM read_parquet($p) "
        "ORDER BY district",
        params={"p": str(tmp_path / "out" / "beneficiary_counts" / "*" / "*.parquet")},
    ).fetchall()
    assert names == [("1306", "NONG", "SAVANNAKHET"), ("1703", "SANAMXAY", "ATTAPEU")]


def test_query_reads_a_replay_folder_or_the_store(
    projections: Projections, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    replay(projections, projections.point_in_time(AS_OF), out)
    statement = "SELECT as_of, sum(beneficiaries) AS n FROM beneficiary_counts GROUP BY as_of"
    assert query(statement, out=out) == (["as_of", "n"], [(AS_OF, 3)])
    when = projections.point_in_time(dt.date(2021, 7, 31))
    assert query(statement, projections=projections, when=when) == (
        ["as_of", "n"], [(dt.date(2021, 7, 31), 4)]
    )


@pytest.mark.parametrize("statement", [
    "DROP TABLE monthly",
    "COPY (SELECT 1) TO 'x.csv'",
    "SELECT 1; SELECT 2",
    "ATTACH 'other.duckdb'",
])
def test_query_refuses_anything_but_one_select(
    projections: Projections, statement: str
) -> None:
    with pytest.raises(QueryError):
        query(statement, projections=projections, when=projections.point_in_time(AS_OF))


def _digests(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_a_replay_that_fails_midway_leaves_the_previous_snapshot_whole(
    projections: Projections, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    replay(projections, projections.point_in_time(AS_OF), out)
    before = _digests(out)
    later = projections.point_in_time(AS_OF, dt.datetime(2021, 9, 1, tzinfo=dt.UTC))
    seen: list[str] = []

    def killed_at_the_fourth_table(table: str) -> None:
        seen.append(table)
        if len(seen) == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replay(projections, later, out, on_table=killed_at_the_fourth_table)
    assert _digests(out) == before  # no table of the new snapshot, and nothing staged left


def test_a_replay_killed_while_putting_tables_in_place_is_finished_by_the_next_reader(
    projections: Projections, tmp_path: Path
) -> None:
    """The journal decides: once written, the next `replay` or `query --out` completes it."""
    out = tmp_path / "out"
    replay(projections, projections.point_in_time(AS_OF), out)
    full = _digests(out)
    layout = ParquetLayout(out)
    staging_rows = {name: pq_read(layout.file(name, AS_OF)) for name in TABLES}
    staged = [layout.file(name, AS_OF) for name in TABLES]
    for path in staged:  # as if the renames had not begun: hidden copies, journal in place
        hidden = path.with_name(f".{path.name}.999999.staged")
        path.replace(hidden)
    first, *rest = staged
    first.with_name(f".{first.name}.999999.staged").replace(first)  # one rename done
    layout.journal.write_text(json.dumps(
        [[str(p.with_name(f".{p.name}.999999.staged")), str(p)] for p in rest]))
    _, rows = query("SELECT count(*) AS n FROM programme_summary", out=out)
    assert rows == [(staging_rows["programme_summary"],)]
    assert _digests(out) == full


def pq_read(path: Path) -> int:
    return int(pq.read_metadata(path).num_rows)
