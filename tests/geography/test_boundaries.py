"""SPEC §15: boundary changes recorded as one file, the rules they add, and the projections on
the map as recorded and as it is today — through the command line, on a real store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import cli

OLD, NORTH, SOUTH = "1703", "1710", "1711"  # Sanamxay (Attapeu) split in two
NEIGHBOUR = "1704"  # Sanxai: takes over a merged district


def run(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", str(store), "--operator", "ana", *args])


def ok(store: Path, *args: str) -> str:
    result = run(store, *args)
    assert result.exit_code == 0, result.output
    return result.output


def counted(store: Path, *args: str) -> dict[str, int]:
    rows = json.loads(ok(store, "counts", "--by", "district", "--format", "json", *args))
    return {row["district"]: row["beneficiaries"] for row in rows}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """mcw covers 1703 and 1704 from 2021; B1–B3 enrolled in 1703, B3 exits in 2022."""
    path = tmp_path / "ledger.db"
    ok(path, "init")
    ok(path, "programme", "register", "mcw", "--name", "MCW", "--benefit", "cash",
       "--effective", "2021-01-01")
    for district in (OLD, NEIGHBOUR):
        ok(path, "programme", "expand", "mcw", district, "--effective", "2021-01-01")
    for beneficiary in ("B1", "B2", "B3"):
        ok(path, "enrol", "mcw", beneficiary, "--district", OLD, "--sex", "F",
           "--effective", "2021-02-01")
    ok(path, "exit", "mcw", "B3", "--reason", "graduated", "--effective", "2022-01-01")
    return path


def assignment(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "assign.csv"
    path.write_text("beneficiary,district\n" + "".join(f"{row}\n" for row in rows))
    return path


def split(store: Path, csv: Path, *more: str) -> Result:
    return run(store, "geography", "split", OLD, "--into", f"{NORTH},{SOUTH}", "--assign",
               str(csv), "--effective", "2023-01-01", "--name", f"{NORTH}=SANAMXAY-NUA", *more)


def test_a_split_is_one_file_and_the_map_reads_both_ways(store: Path, tmp_path: Path) -> None:
    before = ok(store, "history", "--district", OLD)
    result = split(store, assignment(tmp_path, f"B1,{NORTH}", f"B2,{SOUTH}"))
    assert result.exit_code == 0, result.output
    for event in ("DistrictEstablished", "DistrictExpanded", "BeneficiaryTransferred",
                  "DistrictWithdrawn", "DistrictRetired"):
        assert event in result.output
    assert before  # the history of the old district is still there

    # As recorded: before the split everyone is in 1703; after, in the new districts.
    assert counted(store, "--as-of", "2021-06-30") == {OLD: 3}
    assert counted(store, "--as-of", "2023-06-30") == {NORTH: 1, SOUTH: 1}
    # On today's map: B1 and B2 where the split moved them, B3 (gone before) in the first.
    assert counted(store, "--as-of", "2021-06-30", "--geography", "current") == {NORTH: 2,
                                                                               SOUTH: 1}
    # As known before the split was recorded, the map had not changed.
    assert counted(store, "--as-of", "2023-06-30", "--known-at", "2022-12-31") in ({OLD: 2}, {})


def test_the_split_is_known_only_from_when_it_was_recorded(store: Path, tmp_path: Path) -> None:
    history = json.loads(ok(store, "history", "--format", "json"))
    last_before = history[-1]["recorded_at"]
    assert split(store, assignment(tmp_path, f"B1,{NORTH}", f"B2,{SOUTH}")).exit_code == 0
    assert counted(store, "--as-of", "2023-06-30", "--known-at", last_before) == {OLD: 2}
    assert counted(store, "--as-of", "2023-06-30", "--known-at", last_before,
                   "--geography", "current") == {OLD: 2}


def test_the_assignment_is_checked_line_by_line(store: Path, tmp_path: Path) -> None:
    csv = assignment(tmp_path, f"B1,{NORTH}", f"B9,{SOUTH}", "B2,1799")
    result = split(store, csv)
    assert result.exit_code == 1
    assert f"{csv}:3: beneficiary: 'B9' is not active in district {OLD} on 2023-01-01" \
        in result.output
    assert f"{csv}:4: district: '1799' is not among the districts {OLD} goes to" in result.output
    missing = split(store, assignment(tmp_path, f"B1,{NORTH}"))
    assert "'B2' is active in 'mcw' in district 1703 on 2023-01-01 and has no row" \
        in missing.output
    assert counted(store, "--as-of", "2023-06-30") == {OLD: 2}  # nothing was recorded


def test_a_merge_moves_everyone_into_an_existing_district(store: Path) -> None:
    ok(store, "geography", "split", OLD, "--into", NEIGHBOUR, "--effective", "2023-01-01")
    assert counted(store, "--as-of", "2023-06-30") == {NEIGHBOUR: 2}
    assert counted(store, "--as-of", "2021-06-30", "--geography", "current") == {NEIGHBOUR: 3}


def test_a_change_of_code_and_a_rename(store: Path) -> None:
    ok(store, "geography", "split", OLD, "--into", NORTH, "--name", f"{NORTH}=SANAMXAY",
       "--effective", "2023-01-01")
    ok(store, "geography", "rename", NORTH, "--name", "SANAMXAY-MAI", "--effective", "2024-01-01")
    assert counted(store, "--as-of", "2024-06-30") == {NORTH: 2}
    out = store.parent / "out"
    ok(store, "replay", "--as-of", "2024-06-30", "--out", str(out))
    rows = json.loads(ok(store, "query", "--out", str(out), "--format", "json",
                         f"SELECT * FROM districts WHERE district IN ('{OLD}', '{NORTH}') "
                         "ORDER BY district"))
    assert [(r["district"], r["district_name"], r["valid_from"], r["valid_to"],
             r["successors"]) for r in rows] == [
        (OLD, "SANAMXAY", None, "2023-01-01", [NORTH]),
        (NORTH, "SANAMXAY-MAI", "2023-01-01", None, None),
    ]


def test_a_retired_district_takes_no_new_facts(store: Path) -> None:
    ok(store, "geography", "split", OLD, "--into", NEIGHBOUR, "--effective", "2023-01-01")
    result = run(store, "enrol", "mcw", "B7", "--district", OLD, "--sex", "M",
                 "--effective", "2023-02-01")
    assert result.exit_code == 1
    assert "district 1703 is retired on 2023-01-01 (its successors: 1704) [rule 11]" \
        in result.output
    # An unknown code is still refused as not in the geography (SPEC §2).
    unknown = run(store, "enrol", "mcw", "B7", "--district", "9999", "--sex", "M")
    assert "9999 is not a district of the ledger's geography" in unknown.output


def test_a_back_dated_split_that_later_facts_contradict_is_refused(store: Path) -> None:
    ok(store, "enrol", "mcw", "B8", "--district", OLD, "--sex", "M", "--effective", "2024-03-01")
    ok(store, "transfer", "mcw", "B8", "--district", NEIGHBOUR, "--effective", "2024-04-01")
    result = run(store, "geography", "split", OLD, "--into", NEIGHBOUR,
                 "--effective", "2023-01-01")
    assert result.exit_code == 1
    assert "it would contradict BeneficiaryEnrolled" in result.output
    assert "effective 2024-03-01: district 1703 is retired on 2023-01-01" in result.output
    assert counted(store, "--as-of", "2024-03-15") == {OLD: 3}  # nothing was recorded


def test_codes_are_never_reused(store: Path, tmp_path: Path) -> None:
    log = tmp_path / "geo.jsonl"
    log.write_text(json.dumps({"event": "DistrictEstablished", "effective_date": "2023-01-01",
                               "district": "1701", "province": "17", "name": "X"}) + "\n")
    result = run(store, "import", str(log))
    assert "district code 1701 is a district of the shipped geography (codes are never " \
        "reused) [rule 10]" in result.output
    log.write_text(json.dumps({"event": "DistrictEstablished", "effective_date": "2023-01-01",
                               "district": "1801", "province": "17", "name": "X"}) + "\n")
    assert "1801 is not a code of province 17" in run(store, "import", str(log)).output


def test_geography_events_round_trip_through_export(store: Path, tmp_path: Path) -> None:
    assert split(store, assignment(tmp_path, f"B1,{NORTH}", f"B2,{SOUTH}")).exit_code == 0
    exported = tmp_path / "all.jsonl"
    ok(store, "export", str(exported))
    lines = [json.loads(line) for line in exported.read_text().splitlines()]
    established = [line for line in lines if line["event"] == "DistrictEstablished"]
    assert established[0]["from"] == [OLD]
    twin = tmp_path / "twin.db"
    ok(twin, "init")
    ok(twin, "import", "--historical", str(exported))
    assert counted(twin, "--as-of", "2021-06-30", "--geography", "current") == {NORTH: 2,
                                                                              SOUTH: 1}
