"""`ledger demo` end to end: the generated history through import, projections and the CLI.

At scale 0.02 the generator meets its scaled targets exactly, so the figures the demo prints are
asserted exactly; the full-scale figures are checked against an independent model in
tests/replay_data (recording 1.5M events here would take minutes).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from replay_data.calibration import MCW, SCHOOL_MEALS, targets

SCALE = 0.02


def _demo(store: Path) -> str:
    result = CliRunner().invoke(cli, ["--store", str(store), "demo", "--scale", str(SCALE)])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_demo_records_the_history_and_prints_the_calibrated_figures(tmp_path: Path) -> None:
    store = tmp_path / "demo.db"
    expected = targets(SCALE)

    output = _demo(store)

    rows = {line.split()[0]: line.split() for line in output.splitlines() if line.split()}
    school_meals, mcw = rows[SCHOOL_MEALS], rows[MCW]
    assert int(school_meals[1]) == expected.school_meals_active
    assert int(school_meals[3]) == int(school_meals[4]) == expected.school_meals_districts
    assert int(mcw[2]) == expected.mcw_ever_enrolled
    assert (
        f"{expected.mcw_first_payment_beneficiaries:,} beneficiaries paid in district 1703"
        in output
    )


def test_the_demo_run_twice_records_nothing_the_second_time(tmp_path: Path) -> None:
    store = tmp_path / "demo.db"
    first = _demo(store)
    second = _demo(store)

    assert "already recorded 0" in first
    assert "recorded 0 events" in second
    reach = CliRunner().invoke(
        cli, ["--store", str(store), "reach", "--as-of", "2025-12-31", "--format", "json"]
    )
    assert reach.exit_code == 0, reach.output
    summary = {row["programme"]: row for row in json.loads(reach.output)}
    assert summary[SCHOOL_MEALS]["districts_covered"] == targets(SCALE).school_meals_districts


def test_the_demo_refuses_a_store_that_holds_another_ledger(tmp_path: Path) -> None:
    store = tmp_path / "real.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["--store", str(store), "init"]).exit_code == 0
    assert runner.invoke(cli, ["--store", str(store), "programme", "register", "mcw", "--name",
                               "MCW", "--benefit", "cash", "--effective", "2021-06-01"]
                         ).exit_code == 0
    before = store.read_bytes()

    result = runner.invoke(cli, ["--store", str(store), "demo", "--scale", str(SCALE)])

    assert result.exit_code == 1
    assert "already holds a ledger; the demo records only into an empty store" in result.output
    assert result.output.count("\n") <= 2  # one error, not a line per refused event
    history = runner.invoke(cli, ["--store", str(store), "history", "--format", "json"])
    assert len(json.loads(history.output)) == 1
    assert store.read_bytes() == before


def test_the_demo_does_not_write_where_only_ledger_store_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "somewhere.db"
    monkeypatch.setenv("LEDGER_STORE", str(store))

    result = CliRunner().invoke(cli, ["demo", "--scale", str(SCALE)])

    assert result.exit_code == 1
    assert "not into" in result.output and "from LEDGER_STORE" in result.output
    assert not store.exists()
    assert not (tmp_path / "ledger.db").exists()
