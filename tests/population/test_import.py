"""`ledger population import`: figures checked row by row, stored with the store, replaced per
source and year — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from ledger.application import Ledger
from ledger.population import PopulationRefused, figures, import_population

HEADER = "district,sex,age_band,year,population,source\n"


def _csv(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_good_rows_are_stored_in_a_fixed_order(ledger: Ledger, tmp_path: Path) -> None:
    path = _csv(tmp_path, "p.csv", "1703,M,0-1,2021,900,census\n1703,F,0-1,2021,1000,census\n")
    loaded = import_population(ledger.store, path)
    assert (loaded.rows, loaded.editions) == (2, [("census", 2021)])
    assert figures(ledger.store) == [
        ("1703", "F", "0-1", 2021, 1000, "census"),
        ("1703", "M", "0-1", 2021, 900, "census"),
    ]


def test_a_reimport_of_a_source_and_year_replaces_it_and_leaves_the_others(
    ledger: Ledger, tmp_path: Path
) -> None:
    import_population(ledger.store, _csv(tmp_path, "a.csv", (
        "1703,F,0-1,2021,1000,census\n1703,F,0-1,2022,1010,census\n"
        "1703,F,0-1,2021,7,survey\n")))
    import_population(ledger.store, _csv(tmp_path, "b.csv", "1306,M,6-11,2021,55,census\n"))
    assert figures(ledger.store) == [
        ("1306", "M", "6-11", 2021, 55, "census"),
        ("1703", "F", "0-1", 2022, 1010, "census"),
        ("1703", "F", "0-1", 2021, 7, "survey"),
    ]


def test_bad_rows_are_named_by_file_line_and_field_and_nothing_is_loaded(
    ledger: Ledger, tmp_path: Path
) -> None:
    import_population(ledger.store, _csv(tmp_path, "first.csv", "1703,F,0-1,2021,1,census\n"))
    path = _csv(tmp_path, "bad.csv", (
        "1306,M,6-11,2021,55,census\n"
        "9999,F,0-1,2021,5,census\n"
        "1703,X,3-4,2021,-2,census\n"
        "1703,F,0-1,20x1,5,\n"
        "1306,M,6-11,2021,56,census\n"
    ))
    with pytest.raises(PopulationRefused) as refused:
        import_population(ledger.store, path)
    assert refused.value.report().splitlines() == [
        f"{path}:3: district: '9999' is not a district of the geography",
        f"{path}:4: sex: 'X' is not F or M",
        f"{path}:4: age_band: '3-4' is not one of 0-1, 2-5, 6-11, 12-17, 18-59, 60+, unknown",
        f"{path}:4: population: '-2' is not a whole number >= 0",
        f"{path}:5: year: '20x1' is not a year (1900-2200)",
        f"{path}:5: source: must be 1-200 characters",
        f"{path}:6: district: this cell is already given on line 2",
    ]
    assert figures(ledger.store) == [("1703", "F", "0-1", 2021, 1, "census")]


def test_a_wrong_header_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("district,sex,age,year,population,source\n", encoding="utf-8")
    with pytest.raises(PopulationRefused, match="nothing was loaded"):
        import_population(ledger.store, path)


def test_the_cli_loads_the_shipped_figures_and_reports_bad_rows(
    ledger: Ledger, store_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    shipped = Path(__file__).parents[2] / "replay_data" / "population.csv"
    result = runner.invoke(cli, ["--store", store_url, "population", "import", str(shipped)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("loaded 8,820 population figures")
    assert len(figures(ledger.store)) == 8820
    bad = _csv(tmp_path, "bad.csv", "0101,F,0-1,2021,x,census\n")
    result = runner.invoke(cli, ["--store", store_url, "population", "import", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: population: 'x' is not a whole number >= 0" in result.output
    assert "Error: 1 row refused; nothing was loaded" in result.output
    assert len(figures(ledger.store)) == 8820
