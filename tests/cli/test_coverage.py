"""`ledger coverage`: sums beneficiaries and population over each group, then divides."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli
from ledger.application import Ledger

HISTORY = [
    {"event": "ProgrammeRegistered", "effective_date": "2021-06-01", "programme": "mcw",
     "name": "MCW", "benefit": "cash"},
    {"event": "DistrictExpanded", "effective_date": "2021-06-18", "programme": "mcw",
     "district": "1703"},
    {"event": "BeneficiaryEnrolled", "effective_date": "2021-06-18", "programme": "mcw",
     "beneficiary": "C1", "district": "1703", "sex": "F", "birth_date": "2021-01-05"},
    {"event": "BeneficiaryEnrolled", "effective_date": "2021-06-18", "programme": "mcw",
     "beneficiary": "C2", "district": "1703", "sex": "M", "birth_date": "2020-11-30"},
    {"event": "BeneficiaryEnrolled", "effective_date": "2021-06-18", "programme": "mcw",
     "beneficiary": "C3", "district": "1703", "sex": "M"},
]
FIGURES = (
    "district,sex,age_band,year,population,source\n"
    "1703,F,0-1,2021,10,census\n"
    "1703,M,0-1,2021,30,census\n"
    "1703,M,0-1,2020,99,census\n"
    "1306,F,0-1,2021,60,census\n"
)


def _run(store_url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--store", store_url, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_coverage_sums_before_dividing_and_says_where_there_is_no_figure(
    ledger: Ledger, store_url: str, tmp_path: Path
) -> None:
    ledger.record_dicts(HISTORY, operator="t")
    figures = tmp_path / "figures.csv"
    figures.write_text(FIGURES, encoding="utf-8")
    _run(store_url, "population", "import", str(figures))

    rows = json.loads(_run(store_url, "coverage", "--as-of", "2021-12-31", "--by",
                           "district,age_band", "--format", "json"))
    assert rows == [
        # 1306 has figures but no beneficiaries: coverage 0, not missing.
        {"district": "1306", "age_band": "0-1", "beneficiaries": 0, "population": 60,
         "coverage": 0.0, "population_year": "2021", "without_population": 0},
        # 2 children of 10 + 30 (the 2021 figures, not 2020's): 2 / 40, not 1/10 + 1/30.
        {"district": "1703", "age_band": "0-1", "beneficiaries": 2, "population": 40,
         "coverage": 0.05, "population_year": "2021", "without_population": 0},
        {"district": "1703", "age_band": "unknown", "beneficiaries": 1, "population": None,
         "coverage": None, "population_year": "no population figure",
         "without_population": 1},
    ]
    table = _run(store_url, "coverage", "--as-of", "2021-12-31", "--by", "province,district",
                 "--age-band", "0-1")
    assert table.splitlines()[2:] == [
        "province  province_name  district  district_name  beneficiaries  population  coverage"
        "  population_year  without_population",
        "--------  -------------  --------  -------------  -------------  ----------  --------"
        "  ---------------  ------------------",
        "13        SAVANNAKHET    1306      NONG                       0          60       0.0"
        "  2021                              0",
        "17        ATTAPEU        1703      SANAMXAY                   2          40      0.05"
        "  2021                              0",
    ]


def test_coverage_refuses_an_unknown_age_band(ledger: Ledger, store_url: str) -> None:
    result = CliRunner().invoke(cli, ["--store", store_url, "coverage", "--as-of",
                                      "2021-12-31", "--age-band", "6-10"])
    assert result.exit_code == 1
    assert "Error: age bands are 0-1, 2-5, 6-11, 12-17, 18-59, 60+, unknown (not 6-10)" in (
        result.output
    )


def test_every_new_command_has_an_example_in_its_help() -> None:
    for command in (["coverage"], ["population", "import"]):
        result = CliRunner().invoke(cli, [*command, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output, command
