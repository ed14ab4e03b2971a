"""`ledger demo` end to end: the generated history through import, projections and the CLI.

At scale 0.02 the generator meets its scaled targets exactly, so the figures the demo prints are
asserted exactly; the full-scale figures are checked against an independent model in
tests/replay_data (recording 1.5M events here would take minutes).
"""

from __future__ import annotations

import json
from pathlib import Path

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
