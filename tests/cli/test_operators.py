"""Operators' commands through the console script: `init`, `programme …`, `enrol` … `retract`.

Each recording command prints its receipt (id and position); `--format json` prints the receipt
objects; a refused fact prints `Error: …` on stderr, exits 1 and records nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from ledger.bootstrap import open_ledger
from ledger.domain.timeline import Timeline


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A SQLite store, created with `ledger init`."""
    url = str(tmp_path / "ledger.db")
    assert run(url, "init").exit_code == 0
    return url


def run(store: str, *args: str, operator: str = "ana", **env: str) -> Result:
    return CliRunner(env=env or None).invoke(cli, ["--store", store, "--operator", operator, *args])


def receipt(result: Result) -> dict[str, Any]:
    """The one receipt object a `--format json` command printed."""
    assert result.exit_code == 0, result.output
    objects = json.loads(result.stdout)
    assert len(objects) == 1
    return dict(objects[0])


def stored(store: str) -> list[tuple[int, Timeline.Event]]:
    ledger = open_ledger(store)
    try:
        return list(ledger.stored_events())
    finally:
        ledger.close()


def pilot(store: str) -> None:
    """MCW registered 2021-06-01, covering Sanamxay (1703) and Nong (1306), B-1 in Sanamxay."""
    for args in (
        ("programme", "register", "mcw", "--name", "MCW", "--benefit", "cash",
         "--effective", "2021-06-01", "--id", "mcw-registered"),
        ("programme", "expand", "mcw", "1703", "--effective", "2021-06-18", "--id", "sanamxay"),
        ("programme", "expand", "mcw", "1306", "--effective", "2021-06-18", "--id", "nong"),
        ("enrol", "mcw", "B-1", "--district", "1703", "--sex", "F", "--effective", "2021-06-20",
         "--id", "b1"),
    ):
        result = run(store, *args)
        assert result.exit_code == 0, result.output


# -- init --------------------------------------------------------------------------------------


def test_init_creates_an_empty_ledger_and_is_safe_to_repeat(tmp_path: Path) -> None:
    url = str(tmp_path / "ledger.db")

    first = run(url, "init")
    again = run(url, "init")

    assert (first.exit_code, first.stdout) == (0, f"ledger ready at {url} (sqlite), 0 events\n")
    assert (again.exit_code, again.stdout) == (0, first.stdout)


def test_recording_before_init_is_an_error(tmp_path: Path) -> None:
    url = str(tmp_path / "ledger.db")

    result = run(url, "programme", "expand", "mcw", "1703")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: no ledger at {url}; create one with `ledger init`\n"
    assert not Path(url).exists()


def test_a_store_that_is_not_a_ledger_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    not_a_ledger = tmp_path / "ledger.db"
    not_a_ledger.write_text("x\n42\n")

    result = run(str(not_a_ledger), "verify")

    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {not_a_ledger} is not a ledger that can be opened")
    assert result.exception is None or isinstance(result.exception, SystemExit)


# -- one command per fact ----------------------------------------------------------------------


def test_register_prints_the_receipt_as_a_table(store: str) -> None:
    result = run(store, "programme", "register", "mcw", "--name", "Mother and Early Childhood Grant",
                 "--benefit", "cash", "--effective", "2021-06-01", "--id", "mcw-registered")

    [(position, event)] = stored(store)
    recorded_at = event.timestamp.isoformat()
    assert result.exit_code == 0
    assert result.stdout == (
        f"id              event                position  effective_date  recorded_at\n"
        f"--------------  -------------------  --------  --------------  {'-' * len(recorded_at)}\n"
        f"mcw-registered  ProgrammeRegistered         1  2021-06-01      {recorded_at}\n"
    )
    assert (position, event.operator, event.effective_date) == (1, "ana", dt.date(2021, 6, 1))


def test_format_json_prints_the_receipt_objects(store: str) -> None:
    result = run(store, "programme", "register", "mcw", "--name", "MCW", "--benefit", "cash",
                 "--effective", "2021-06-01", "--format", "json")

    [(_, event)] = stored(store)
    assert receipt(result) == {
        "id": event.event_id,
        "event": "ProgrammeRegistered",
        "position": 1,
        "effective_date": "2021-06-01",
        "recorded_at": event.timestamp.isoformat(),
    }
    assert event.event_id.startswith("auto-")


def test_format_csv_prints_a_header_and_one_row(store: str) -> None:
    result = run(store, "programme", "register", "mcw", "--name", "MCW", "--benefit", "cash",
                 "--effective", "2021-06-01", "--id", "mcw-registered", "--format", "csv")

    [(_, event)] = stored(store)
    assert result.stdout == (
        "id,event,position,effective_date,recorded_at\n"
        f"mcw-registered,ProgrammeRegistered,1,2021-06-01,{event.timestamp.isoformat()}\n"
    )


def test_every_operator_command_records_its_fact_at_the_next_position(store: str) -> None:
    steps = [
        (("programme", "register", "mcw", "--name", "MCW", "--benefit", "cash",
          "--effective", "2021-06-01"), "ProgrammeRegistered"),
        (("programme", "expand", "mcw", "1703", "--effective", "2021-06-18"), "DistrictExpanded"),
        (("programme", "expand", "mcw", "1306", "--effective", "2021-06-18"), "DistrictExpanded"),
        (("enrol", "mcw", "B-1", "--district", "1703", "--sex", "F", "--birth-date", "2021-02-01",
          "--household", "HH-1", "--effective", "2021-06-20"), "BeneficiaryEnrolled"),
        (("pay", "mcw", "B-1", "--payment", "P-2021-08-0001", "--amount", "300000",
          "--period", "2021-08", "--effective", "2021-08-12"), "PaymentRecorded"),
        (("reverse", "mcw", "P-2021-08-0001", "--reason", "returned by the bank",
          "--effective", "2021-09-01"), "PaymentReversed"),
        (("transfer", "mcw", "B-1", "--district", "1306", "--effective", "2022-03-01"),
         "BeneficiaryTransferred"),
        (("exit", "mcw", "B-1", "--reason", "aged-out", "--effective", "2023-06-20"),
         "BeneficiaryExited"),
        (("programme", "withdraw", "mcw", "1703", "--effective", "2023-12-31"),
         "DistrictWithdrawn"),
    ]

    receipts = [receipt(run(store, *args, "--format", "json")) for args, _ in steps]

    assert [(r["event"], r["position"]) for r in receipts] == [
        (event, position) for position, (_, event) in enumerate(steps, start=1)]
    assert [event.event_id for _, event in stored(store)] == [r["id"] for r in receipts]


def test_retract_records_the_retraction_of_a_named_event(store: str) -> None:
    pilot(store)
    run(store, "pay", "mcw", "B-1", "--payment", "P-1", "--amount", "300000", "--period", "2021-08",
        "--effective", "2021-08-12", "--id", "p1")

    result = run(store, "retract", "p1", "--reason", "paid twice", "--effective", "2021-08-20",
                 "--format", "json")

    assert receipt(result)["event"] == "EventRetracted"
    assert receipt(result)["position"] == 6
    _, retraction = stored(store)[-1]
    assert (retraction.retracts, retraction.reason) == ("p1", "paid twice")


def test_a_fact_recorded_twice_is_already_recorded(store: str) -> None:
    args = ("programme", "register", "mcw", "--name", "MCW", "--benefit", "cash",
            "--effective", "2021-06-01")
    run(store, *args)

    again = run(store, *args)

    assert (again.exit_code, again.stdout) == (0, "already recorded: 1\n")
    assert len(stored(store)) == 1


def test_the_operator_comes_from_the_option_else_the_environment(store: str) -> None:
    run(store, "programme", "register", "mcw", "--name", "MCW", "--benefit", "cash",
        "--effective", "2021-06-01")
    CliRunner(env={"LEDGER_OPERATOR": "attapeu-officer"}).invoke(
        cli, ["--store", store, "programme", "expand", "mcw", "1703", "--effective", "2021-06-18"])

    assert [event.operator for _, event in stored(store)] == ["ana", "attapeu-officer"]


def test_the_effective_date_defaults_to_today_and_a_note_is_kept(store: str) -> None:
    result = run(store, "programme", "register", "mcw", "--name", "MCW", "--benefit", "cash",
                 "--note", "registered at the ministry", "--format", "json")

    assert receipt(result)["effective_date"] == dt.date.today().isoformat()
    [(_, event)] = stored(store)
    assert event.note == "registered at the ministry"


# -- errors ------------------------------------------------------------------------------------


def test_a_refused_fact_is_an_error_on_stderr_and_nothing_is_recorded(store: str) -> None:
    pilot(store)

    result = run(store, "programme", "withdraw", "mcw", "1703", "--effective", "2021-12-31")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: district: district 1703 is withdrawn on 2021-12-31 while beneficiary B-1 is "
        "active there [rule 5] (contradicts event b1) — nothing was recorded\n"
    )
    assert len(stored(store)) == 4


def test_a_back_dated_fact_is_refused_naming_the_fact_it_contradicts(store: str) -> None:
    pilot(store)

    result = run(store, "programme", "expand", "mcw", "1703", "--effective", "2021-06-10")

    assert result.exit_code == 1
    assert result.stderr == (
        "Error: effective_date: it would contradict DistrictExpanded 'sanamxay' effective "
        "2021-06-18: district 1703 is already covered since 2021-06-10 [rule 2] "
        "(contradicts event sanamxay) — nothing was recorded\n"
    )


def test_a_value_outside_the_format_is_refused_by_field(store: str) -> None:
    pilot(store)

    district = run(store, "programme", "expand", "mcw", "9999", "--effective", "2021-07-01")
    amount = run(store, "pay", "mcw", "B-1", "--payment", "P-1", "--amount", "-5",
                 "--period", "2021-08", "--effective", "2021-08-12")

    assert (district.exit_code, district.stderr) == (
        1, "Error: district: 9999 is not a district of the ledger's geography — nothing was "
           "recorded\n")
    assert (amount.exit_code, amount.stderr) == (
        1, "Error: amount: -5 must be greater than 0 — nothing was recorded\n")


def test_retracting_an_unknown_event_is_refused(store: str) -> None:
    pilot(store)

    result = run(store, "retract", "no-such-event", "--reason", "typo")

    assert result.exit_code == 1
    assert result.stderr == (
        "Error: retracts: no event 'no-such-event' is recorded [rule 8] — nothing was recorded\n")


def test_a_missing_option_or_a_bad_date_is_a_usage_error(store: str) -> None:
    missing = run(store, "programme", "register", "mcw", "--benefit", "cash")
    bad_date = run(store, "programme", "expand", "mcw", "1703", "--effective", "2021-02-30")

    assert missing.exit_code == 2 and "Error: Missing option '--name'." in missing.stderr
    assert bad_date.exit_code == 2
    assert "Error: Invalid value for '--effective': '2021-02-30' is not a date (YYYY-MM-DD)" \
        in bad_date.stderr
    assert stored(store) == []


# -- documentation -----------------------------------------------------------------------------


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name)


def test_every_command_has_an_example_in_its_help() -> None:
    commands = list(_commands(cli))

    for command in commands:
        result = CliRunner().invoke(cli, [*command, "--help"])
        assert result.exit_code == 0, command
        assert "Example" in result.stdout, f"`ledger {' '.join(command)} --help` has no example"
        assert f"ledger {' '.join(command)}" in result.stdout, command
    assert {"init", "enrol", "import", "export", "retract"} <= {c[-1] for c in commands}
