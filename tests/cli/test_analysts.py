"""`ledger counts`, `reach`, `replay` and `query`: exit codes and exact output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import cli
from ledger.bootstrap import open_ledger


def _line(event: str, effective: str, recorded: str, **fields: Any) -> dict[str, Any]:
    return {"event": event, "effective_date": effective,
            "recorded_at": f"{recorded}T09:00:00+07:00", **fields}


HISTORY = [
    _line("ProgrammeRegistered", "2021-06-01", "2021-06-01", programme="mcw", name="MCW",
          benefit="cash"),
    _line("DistrictExpanded", "2021-06-18", "2021-06-18", programme="mcw", district="1703"),
    _line("DistrictExpanded", "2021-06-18", "2021-06-18", programme="mcw", district="1306"),
    _line("BeneficiaryEnrolled", "2021-06-18", "2021-06-18", programme="mcw", beneficiary="B1",
          district="1703", sex="F", birth_date="1995-03-10"),
    _line("BeneficiaryEnrolled", "2021-06-18", "2021-06-18", programme="mcw", beneficiary="B2",
          district="1306", sex="M"),
    _line("PaymentRecorded", "2021-08-12", "2021-08-12", programme="mcw", beneficiary="B1",
          payment="P1", amount="300000", period="2021-08"),
    # Recorded late: enrolled on 1 July, written down on 15 September.
    _line("BeneficiaryEnrolled", "2021-07-01", "2021-09-15", programme="mcw", beneficiary="B3",
          district="1703", sex="F", birth_date="2020-02-29"),
]


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = str(tmp_path / "ledger.db")
    ledger = open_ledger(url, create=True)
    ledger.record_dicts(HISTORY, operator="t", historical=True)
    ledger.close()
    return url


def run(store: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--store", store, *args], catch_exceptions=False)


def test_counts_default_groups_by_programme(store: str) -> None:
    result = run(store, "counts", "--as-of", "2021-07-31")
    assert result.exit_code == 0
    assert result.output == (
        "As of 2021-07-31, as known at 2021-09-15T02:00:00+00:00\n\n"
        "programme  beneficiaries\n"
        "---------  -------------\n"
        "mcw                    3\n"
    )


def test_counts_as_known_before_the_late_recording(store: str) -> None:
    result = run(store, "counts", "--as-of", "2021-07-31", "--known-at",
                 "2021-08-31T23:59:59+07:00", "--by", "district,sex", "--format", "csv")
    assert result.exit_code == 0
    assert result.output == "district,sex,beneficiaries\n1306,M,1\n1703,F,1\n"


def test_counts_json_keys_are_the_column_names(store: str) -> None:
    result = run(store, "counts", "--as-of", "2021-12-31", "--by", "province,age_band",
                 "--format", "json")
    assert json.loads(result.output) == [
        {"province": "13", "age_band": "unknown", "beneficiaries": 1},
        {"province": "17", "age_band": "0-1", "beneficiaries": 1},
        {"province": "17", "age_band": "18-59", "beneficiaries": 1},
    ]


def test_a_bare_known_at_date_means_the_end_of_that_day_utc(store: str) -> None:
    result = run(store, "counts", "--as-of", "2021-07-31", "--known-at", "2021-09-15",
                 "--format", "csv")
    assert result.output == "programme,beneficiaries\nmcw,3\n"


def test_reach_prints_the_programme_summary(store: str) -> None:
    result = run(store, "reach", "--as-of", "2021-12-31", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output) == [{
        "programme": "mcw", "active_beneficiaries": 3, "beneficiaries_ever": 3,
        "districts_covered": 2, "districts_reached": 2, "provinces_covered": 2,
    }]


def test_replay_then_query_the_folder(store: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(store, "replay", "--as-of", "2021-12-31", "--out", str(out))
    assert result.exit_code == 0
    assert "monthly" in result.output
    assert (out / "monthly" / "as_of=2021-12-31" / "data.parquet").is_file()
    result = run(store, "query", "--out", str(out), "--format", "csv",
                 "SELECT month_end, active_beneficiaries, entries FROM monthly "
                 "ORDER BY month_end LIMIT 3")
    assert result.output == (
        "month_end,active_beneficiaries,entries\n"
        "2021-06-30,2,2\n2021-07-31,3,1\n2021-08-31,3,0\n"
    )


def test_query_over_the_stores_projections(store: str) -> None:
    result = run(store, "query", "--as-of", "2021-08-31", "--format", "csv",
                 "SELECT district, period, payments, amount FROM payments")
    assert result.output == "district,period,payments,amount\n1703,2021-08,1,300000.00\n"


@pytest.mark.parametrize(("args", "message"), [
    (["counts", "--as-of", "2021-02-30"], "is not a date"),
    (["counts", "--as-of", "2021-07-31", "--known-at", "2021-09-15T09:00:00"], "offset"),
    (["counts", "--as-of", "2021-07-31", "--by", "beneficiary"], "--by takes"),
    (["query", "DELETE FROM monthly"], "only SELECT"),
    (["query", "SELECT * FROM no_such_table"], "no_such_table"),
])
def test_mistakes_get_a_clear_error(store: str, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["--store", store, *args])
    assert result.exit_code != 0
    assert "Error:" in result.output
    assert message in result.output


def test_a_missing_store_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "none.db"), "reach",
                                      "--as-of", "2021-12-31"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: no ledger at")


def test_every_command_has_an_example() -> None:
    for name in ("counts", "reach", "replay", "query"):
        result = CliRunner().invoke(cli, [name, "--help"])
        assert "Example" in result.output, name
