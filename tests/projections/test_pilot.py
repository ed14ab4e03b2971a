"""The worked example on both stores: a late recording, a retraction, a reversal, a transfer and
an exit, each asked about as of a date and as known at a time, with figures worked out by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pilot_history import PILOT

from ledger.bootstrap import open_ledger
from projections import Projections, counts, reach, table

LAO = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def projections(store_url: str, tmp_path: Path) -> Iterator[Projections]:
    ledger = open_ledger(store_url, create=True)
    ledger.record_dicts(PILOT, operator="pilot", historical=True)
    try:
        with Projections.of_store(ledger.store, path=tmp_path / "p.duckdb") as projections:
            yield projections
    finally:
        ledger.close()


def _active(projections: Projections, as_of: str, known_at: dt.datetime | None) -> int:
    when = projections.point_in_time(dt.date.fromisoformat(as_of), known_at)
    return sum(r["beneficiaries"] for r in counts(projections, when))


def test_a_late_recording_changes_the_past_only_from_when_it_is_recorded(
    projections: Projections,
) -> None:
    before = dt.datetime(2021, 8, 31, 23, 59, 59, tzinfo=LAO)
    assert _active(projections, "2021-07-31", before) == 3  # B1, B2, B3
    assert _active(projections, "2021-07-31", None) == 4  # and B4, recorded on 15 September


def test_a_retracted_enrolment_counts_only_until_the_retraction_is_recorded(
    projections: Projections,
) -> None:
    assert _active(projections, "2021-07-07", dt.datetime(2021, 7, 7, tzinfo=LAO)) == 4  # B5 too
    assert _active(projections, "2021-07-07", dt.datetime(2021, 7, 11, tzinfo=LAO)) == 3


def test_known_at_includes_what_was_recorded_at_that_very_instant(
    projections: Projections,
) -> None:
    recorded = dt.datetime(2021, 9, 15, 9, 0, tzinfo=LAO)
    assert _active(projections, "2021-07-31", recorded) == 4
    assert _active(projections, "2021-07-31", recorded - dt.timedelta(microseconds=1)) == 3


def test_counts_by_district_sex_and_age_band(projections: Projections) -> None:
    when = projections.point_in_time(dt.date(2021, 12, 31))
    rows = counts(projections, when, by=("district", "sex", "age_band"))
    assert rows == [
        {"district": "1306", "district_name": "NONG", "sex": "M", "age_band": "0-1",
         "beneficiaries": 1},  # B3, moved
        {"district": "1703", "district_name": "SANAMXAY", "sex": "F", "age_band": "18-59",
         "beneficiaries": 2},  # B1, B4
    ]


def test_reach_and_district_reach(projections: Projections) -> None:
    when = projections.point_in_time(dt.date(2021, 12, 31))
    assert reach(projections, when) == [{
        "programme": "mcw", "active_beneficiaries": 3, "beneficiaries_ever": 4,
        "districts_covered": 2, "districts_reached": 2, "provinces_covered": 2,
        "known_at": when.known_at,
    }]
    rows = table(projections, "district_reach", when).to_pylist()
    assert [(r["district"], r["province"], r["covered"], r["covered_since"], r["beneficiaries"])
            for r in rows] == [
        ("1306", "13", True, dt.date(2021, 6, 18), 1),
        ("1703", "17", True, dt.date(2021, 6, 18), 2),
    ]


def test_payments_count_unless_reversed_and_sit_where_the_beneficiary_was(
    projections: Projections,
) -> None:
    def paid(as_of: str) -> list[tuple[Any, ...]]:
        when = projections.point_in_time(dt.date.fromisoformat(as_of))
        return [(r["district"], r["period"], r["payments"], r["beneficiaries_paid"], r["amount"])
                for r in table(projections, "payments", when).to_pylist()]

    assert paid("2021-08-19") == [("1703", "2021-08", 2, 2, Decimal("600000.00"))]
    assert paid("2021-12-31") == [
        ("1306", "2021-10", 1, 1, Decimal("150000.50")),  # B3 after the transfer
        ("1703", "2021-08", 1, 1, Decimal("300000.00")),  # P2 reversed on 20 August
    ]


def test_monthly_series(projections: Projections) -> None:
    when = projections.point_in_time(dt.date(2021, 11, 15))
    rows = [(r["month_end"].isoformat(), r["active_beneficiaries"], r["entries"], r["exits"],
             r["districts_covered"], r["districts_reached"])
            for r in table(projections, "monthly", when).to_pylist()]
    assert rows == [
        ("2021-06-30", 3, 3, 0, 2, 2),
        ("2021-07-31", 4, 1, 0, 2, 2),  # B4, late-recorded; B5 retracted
        ("2021-08-31", 4, 0, 0, 2, 2),
        ("2021-09-30", 4, 0, 0, 2, 2),
        ("2021-10-31", 3, 0, 1, 2, 2),  # B2 exits on the 31st
    ]  # 30 November is after the as-of date


def test_tables_carry_no_beneficiary_ids(projections: Projections) -> None:
    when = projections.point_in_time(dt.date(2021, 12, 31))
    for name in ("beneficiary_counts", "district_reach", "programme_summary", "payments",
                 "monthly"):
        rows = table(projections, name, when).to_pylist()
        assert "beneficiary" not in (rows[0] if rows else {})
        assert not any(str(v).startswith("B") for r in rows for v in r.values())
