"""Where the projections file lives, and how as-of dates and known-at times are read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from projections.location import projections_file
from projections.when import PointInTime, parse_as_of, parse_known_at


@pytest.fixture(autouse=True)
def _no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEDGER_PROJECTIONS", raising=False)


def test_beside_a_sqlite_store() -> None:
    assert projections_file("data/ledger.db") == Path("data/ledger.projections.duckdb")
    assert projections_file("sqlite:///l.sqlite") == Path("l.projections.duckdb")


def test_in_the_working_directory_for_postgresql(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert projections_file("postgresql://u:pw@db:5432/ministry") == \
        tmp_path / "ministry.projections.duckdb"
    assert projections_file("postgresql://db/ministry?schema=lao") == \
        tmp_path / "ministry-lao.projections.duckdb"


def test_the_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_PROJECTIONS", "/var/cache/p.duckdb")
    assert projections_file("ledger.db") == Path("/var/cache/p.duckdb")


def test_known_at_reads_rfc3339_and_bare_dates() -> None:
    assert parse_known_at("2025-06-30T23:59:59+07:00") == \
        dt.datetime(2025, 6, 30, 16, 59, 59, tzinfo=dt.UTC)
    assert parse_known_at("2025-06-30T10:00:00.5Z") == \
        dt.datetime(2025, 6, 30, 10, 0, 0, 500000, tzinfo=dt.UTC)
    assert parse_known_at("2025-06-30") == \
        dt.datetime(2025, 6, 30, 23, 59, 59, 999999, tzinfo=dt.UTC)


@pytest.mark.parametrize("text", ["2025-06-30T10:00:00", "yesterday", "2025-02-30",
                                  "2025-06-30T25:00:00Z"])
def test_known_at_refuses_what_is_not_an_instant(text: str) -> None:
    with pytest.raises(ValueError):
        parse_known_at(text)


@pytest.mark.parametrize("text", ["20250630", "2025-6-30", "2025-02-29", ""])
def test_as_of_is_a_real_calendar_date(text: str) -> None:
    with pytest.raises(ValueError):
        parse_as_of(text)


def test_a_point_in_time_needs_an_offset() -> None:
    with pytest.raises(ValueError):
        PointInTime(dt.date(2025, 1, 1), dt.datetime(2025, 1, 1, 12))
