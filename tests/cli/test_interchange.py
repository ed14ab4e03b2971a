"""`ledger import` and `ledger export` through the console script: whole files, in and out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from ledger.bootstrap import open_ledger

PILOT: list[dict[str, Any]] = [
    {"event": "ProgrammeRegistered", "effective_date": "2021-06-01", "id": "mcw-registered",
     "programme": "mcw", "name": "Mother and Early Childhood Grant", "benefit": "cash"},
    {"event": "DistrictExpanded", "effective_date": "2021-06-18", "programme": "mcw",
     "district": "1703"},
    {"event": "DistrictExpanded", "effective_date": "2021-06-18", "programme": "mcw",
     "district": "1306"},
    {"event": "BeneficiaryEnrolled", "effective_date": "2021-06-20", "id": "b1",
     "programme": "mcw", "beneficiary": "MCW-1703-000001", "district": "1703", "sex": "F"},
]


def enrolment(beneficiary: str, district: str = "1703", **more: Any) -> dict[str, Any]:
    return {"event": "BeneficiaryEnrolled", "effective_date": "2021-07-01", "programme": "mcw",
            "beneficiary": beneficiary, "district": district, "sex": "F", **more}


def jsonl(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def run(store: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", store, "--operator", "ana", *args])


def events_in(store: str) -> int:
    ledger = open_ledger(store)
    try:
        return ledger.store.max_position()
    finally:
        ledger.close()


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = str(tmp_path / "ledger.db")
    assert run(url, "init").exit_code == 0
    return url


# -- import ------------------------------------------------------------------------------------


def test_import_records_a_file_and_a_second_import_records_nothing(
    store: str, tmp_path: Path
) -> None:
    path = jsonl(tmp_path / "pilot.jsonl", PILOT)

    first = run(store, "import", str(path))
    second = run(store, "import", str(path))

    assert (first.exit_code, first.stdout) == (0, f"{path}: recorded 4 events (positions 1–4)\n")
    assert (second.exit_code, second.stdout) == (0, f"{path}: already recorded: 4\n")
    assert events_in(store) == 4


def test_import_says_how_much_of_a_file_was_already_recorded(store: str, tmp_path: Path) -> None:
    run(store, "import", str(jsonl(tmp_path / "pilot.jsonl", PILOT)))
    path = jsonl(tmp_path / "july.jsonl", [*PILOT, enrolment("MCW-1703-000002")])

    result = run(store, "import", str(path))

    assert result.stdout == f"{path}: recorded 1 events (positions 5–5); already recorded: 4\n"


def test_a_refused_file_prints_every_refused_line_and_records_nothing(
    store: str, tmp_path: Path
) -> None:
    run(store, "import", str(jsonl(tmp_path / "pilot.jsonl", PILOT)))
    path = jsonl(tmp_path / "july.jsonl", [
        enrolment("MCW-1703-000002"),
        enrolment("MCW-1703-000003", district="9999"),
        enrolment("MCW-1703-000004"),
        enrolment("MCW-1703-000001"),  # already active since 2021-06-20
    ])

    result = run(store, "import", str(path))

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"{path}:2: district: 9999 is not a district of the ledger's geography\n"
        f"{path}:4: beneficiary: the beneficiary is already active in district 1703 since "
        "2021-06-20 [rule 3] (contradicts event b1)\n"
        "Error: 2 lines refused; nothing was recorded\n"
    )
    assert events_in(store) == 4


def test_files_are_taken_in_order_and_the_first_refused_one_stops_the_run(
    store: str, tmp_path: Path
) -> None:
    good = jsonl(tmp_path / "1-pilot.jsonl", PILOT)
    bad = jsonl(tmp_path / "2-bad.jsonl", [enrolment("MCW-1703-000002", colour="red")])
    never = jsonl(tmp_path / "3-july.jsonl", [enrolment("MCW-1703-000003")])

    result = run(store, "import", str(good), str(bad), str(never))

    assert result.exit_code == 1
    assert result.stdout == f"{good}: recorded 4 events (positions 1–4)\n"
    assert result.stderr == (
        f"{bad}:1: colour: is not a field of BeneficiaryEnrolled\n"
        "Error: 1 line refused; nothing was recorded\n"
    )
    assert events_in(store) == 4


def test_recorded_at_is_taken_from_a_file_only_with_historical(store: str, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "legacy-2021.jsonl",
                 [{**line, "recorded_at": "2021-06-21T09:00:00+07:00"} for line in PILOT])

    plain = run(store, "import", str(path))
    historical = run(store, "import", "--historical", str(path))

    assert plain.exit_code == 1
    assert plain.stderr.startswith(
        f"{path}:1: recorded_at: recorded_at is accepted only by `import --historical`")
    assert historical.stdout == f"{path}: recorded 4 events (positions 1–4)\n"


def test_a_missing_file_or_a_wrong_suffix_is_an_error(store: str, tmp_path: Path) -> None:
    missing = run(store, "import", str(tmp_path / "nowhere.jsonl"))
    wrong = tmp_path / "pilot.json"
    wrong.write_text("{}\n", encoding="utf-8")
    suffix = run(store, "import", str(wrong))

    assert (missing.exit_code, missing.stderr) == (
        1, f"Error: {tmp_path / 'nowhere.jsonl'}: no such file\n")
    assert (suffix.exit_code, suffix.stderr) == (
        1, f"Error: {wrong}: expected a .jsonl or .jsonl.gz file\n")


# -- export ------------------------------------------------------------------------------------


def test_export_and_import_historical_into_an_empty_store_round_trip(tmp_path: Path) -> None:
    first_store, second_store = str(tmp_path / "first.db"), str(tmp_path / "second.db")
    run(first_store, "init")
    run(first_store, "import", str(jsonl(tmp_path / "pilot.jsonl", PILOT)))
    run(first_store, "pay", "mcw", "MCW-1703-000001", "--payment", "P-1", "--amount", "300000",
        "--period", "2021-08", "--effective", "2021-08-12", "--id", "p1")
    run(first_store, "reverse", "mcw", "P-1", "--reason", "returned", "--effective", "2021-09-01")
    refused = run(first_store, "retract", "p1", "--reason", "never paid")  # the reversal needs it
    run(first_store, "exit", "mcw", "MCW-1703-000001", "--reason", "moved-away",
        "--effective", "2021-12-01", "--id", "exit")
    run(first_store, "retract", "exit", "--reason", "she stayed")
    exported = tmp_path / "ledger.jsonl"

    out = run(first_store, "export", str(exported))
    run(second_store, "init")
    restored = run(second_store, "import", "--historical", str(exported))
    again = tmp_path / "again.jsonl"
    run(second_store, "export", str(again))

    assert refused.exit_code == 1 and "[rule 8]" in refused.stderr
    assert out.exit_code == 0
    assert out.stdout.startswith(f"exported 8 events to {exported}\n")
    assert restored.stdout == f"{exported}: recorded 8 events (positions 1–8)\n"
    assert again.read_bytes() == exported.read_bytes()
    assert [json.loads(line)["event"] for line in exported.read_text().splitlines()][-3:] == [
        "PaymentReversed", "BeneficiaryExited", "EventRetracted"]


def test_export_known_at_stops_at_that_time(store: str, tmp_path: Path) -> None:
    june = [{**line, "recorded_at": "2021-06-21T09:00:00+07:00"} for line in PILOT]
    july = [enrolment("MCW-1703-000002", recorded_at="2021-07-02T09:00:00+07:00")]
    run(store, "import", "--historical", str(jsonl(tmp_path / "june.jsonl", june)))
    run(store, "import", "--historical", str(jsonl(tmp_path / "july.jsonl", july)))
    path = tmp_path / "june-export.jsonl"

    result = run(store, "export", str(path), "--known-at", "2021-06-30T23:59:59+07:00")

    assert result.exit_code == 0
    assert result.stdout.startswith(f"exported 4 events to {path}\n")
    assert len(path.read_text().splitlines()) == 4


def test_export_with_a_known_at_without_offset_is_a_usage_error(
    store: str, tmp_path: Path
) -> None:
    result = run(store, "export", str(tmp_path / "x.jsonl"), "--known-at", "2021-06-30T23:59:59")

    assert result.exit_code == 2
    assert "needs an offset" in result.stderr
    assert not (tmp_path / "x.jsonl").exists()
