"""`changes`: what happened between two dates, and what late recordings and retractions changed
between two knowledge times for one date — on both stores."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from audit_support import record_pilot

from ledger.application import Ledger
from projections import Projections
from projections.changes import Comparison, changes, data_quality
from projections.when import PointInTime

NOW = dt.datetime(2022, 2, 1, tzinfo=dt.UTC)


@pytest.fixture
def projections(ledger: Ledger, tmp_path: Path) -> Iterator[Projections]:
    record_pilot(ledger)
    with Projections.of_store(ledger.store, path=tmp_path / "facts.duckdb") as opened:
        yield opened


def _by_change(rows: list[dict[str, Any]], programme: str = "mcw") -> dict[str, dict[str, Any]]:
    return {r["change"]: r for r in rows if r["programme"] == programme}


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_between_two_dates_counts_what_took_effect_in_between(projections: Projections) -> None:
    comparison = Comparison.between_dates(dt.date(2021, 6, 30), dt.date(2021, 9, 30), NOW)
    rows = _by_change(changes(projections, comparison))
    assert (rows["active_beneficiaries"]["before"], rows["active_beneficiaries"]["after"]) == (0, 2)
    assert rows["beneficiaries_ever"]["net"] == 3  # B4 was retracted: it never counts now
    assert (rows["entries"]["added"], rows["exits"]["added"], rows["transfers"]["added"]) == (3, 1, 1)
    assert rows["payments"]["added"] == 2
    assert rows["payments"]["amount_added"] == decimal.Decimal("600000.00")
    assert rows["payments"]["currency"] == "LAK"
    assert all(r["removed"] == 0 for r in rows.values() if "removed" in r)


def test_a_late_recording_shows_up_between_knowledge_times(projections: Projections) -> None:
    comparison = Comparison.between_knowledge(
        dt.date(2021, 9, 30), _moment("2021-08-01T00:00:00+07:00"),
        _moment("2021-10-01T00:00:00+07:00"),
    )
    rows = _by_change(changes(projections, comparison))
    assert (rows["entries"]["added"], rows["entries"]["removed"]) == (1, 0)  # B4, back-dated
    assert (rows["beneficiaries_ever"]["before"], rows["beneficiaries_ever"]["after"]) == (3, 4)


def test_a_retraction_and_a_reversal_show_up_between_knowledge_times(
    projections: Projections,
) -> None:
    comparison = Comparison.between_knowledge(
        dt.date(2021, 12, 31), _moment("2021-10-01T00:00:00+07:00"), NOW
    )
    rows = _by_change(changes(projections, comparison))
    assert (rows["entries"]["added"], rows["entries"]["removed"], rows["entries"]["net"]) == (
        0, 1, -1,
    )
    assert (rows["active_beneficiaries"]["before"], rows["active_beneficiaries"]["after"]) == (3, 2)
    assert rows["reversals"]["added"] == 1
    assert rows["reversals"]["amount_added"] == decimal.Decimal("300000.00")
    school_meals = _by_change(changes(projections, comparison), "school-meals")
    assert school_meals["registrations"]["added"] == 1  # registered back-dated, recorded later


def test_one_programme_only(projections: Projections) -> None:
    comparison = Comparison.between_dates(dt.date(2021, 6, 30), dt.date(2021, 12, 31), NOW)
    rows = changes(projections, comparison, "school-meals")
    assert {r["programme"] for r in rows} == {"school-meals"}


def test_the_pictures_must_be_in_order() -> None:
    with pytest.raises(ValueError, match="--to"):
        Comparison.between_dates(dt.date(2021, 9, 30), dt.date(2021, 6, 30), NOW)
    with pytest.raises(ValueError, match="--known-at"):
        Comparison.between_knowledge(dt.date(2021, 9, 30), NOW, NOW)


def test_data_quality_counts_late_recordings_retractions_and_reversals(
    projections: Projections,
) -> None:
    rows = {r["programme"]: r for r in data_quality(projections, PointInTime(dt.date(2021, 12, 31),
                                                                             NOW))}
    mcw = rows["mcw"]
    # Recorded after their month ended: the registration, both expansions, both payments and
    # the reversal. Delays: 15, 26, 29, 30, 30, 43, 43, 49, 49, 60, 106 days.
    assert (mcw["events"], mcw["late_recordings"]) == (11, 6)
    assert (mcw["median_delay_days"], mcw["longest_delay_days"]) == (43, 106)
    assert (mcw["retractions"], mcw["reversals"]) == (1, 1)
    assert mcw["amount_reversed"] == decimal.Decimal("300000.00")
    assert (rows["school-meals"]["late_recordings"], rows["school-meals"]["retractions"]) == (3, 0)
