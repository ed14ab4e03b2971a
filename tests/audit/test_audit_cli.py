"""The auditors' commands through the CLI: exit codes, output formats and messages."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from audit_support import EVENTS, RawStore, record_pilot
from click.testing import CliRunner, Result

from cli.main import cli
from ledger.bootstrap import open_ledger


@pytest.fixture
def store(store_url: str) -> str:
    ledger = open_ledger(store_url, create=True)
    record_pilot(ledger)
    ledger.close()
    return store_url


def _run(store: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", store, *args])


def test_history_as_json(store: str) -> None:
    result = _run(store, "history", "--beneficiary", "B2", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == ["enr-b2", "pay-b2-1", "tr-b2", "rev-p2"]
    assert rows[1]["reversed_by"] == "rev-p2"
    assert rows[0]["recorded_at"] == "2021-07-31T10:00:00+07:00"
    assert rows[0]["position"] == 5


def test_history_as_a_table_with_known_at(store: str) -> None:
    result = _run(store, "history", "--beneficiary", "B4", "--known-at", "2021-12-31")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:9] == ["position", "effective_date", "recorded_at", "appended_at",
                                    "event", "id", "operator", "recorded_by", "appended_by"]
    assert len(lines) == 3 and "enr-b4" in lines[2] and "ret-b4" not in result.stdout


def test_verify_a_clean_ledger(store: str) -> None:
    result = _run(store, "verify")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"verified {EVENTS} events in ")
    assert f"chain head: position {EVENTS}, sha256 " in result.stdout


def test_verify_damage_exits_non_zero_and_names_the_position(store: str) -> None:
    RawStore(store).delete(9)
    result = _run(store, "verify")
    assert result.exit_code == 1
    assert "DAMAGED: 1 position does not match the chain; the first is position 9 (deleted)" \
        in result.stdout
    assert result.stderr.startswith("Error: the ledger was changed behind its back: position 9 "
                                    "is deleted")
    as_json = json.loads(_run(store, "verify", "--format", "json").stdout)
    assert as_json["ok"] is False
    assert as_json["first"] == {"position": 9, "kind": "deleted",
                                "detail": "the chain has a link at this position but the "
                                "event is gone"}


def test_export_writes_a_chain_head_that_verify_checks(store: str, tmp_path: Path) -> None:
    export = tmp_path / "ledger.jsonl.gz"
    result = _run(store, "export", str(export))
    assert result.exit_code == 0
    head = json.loads((tmp_path / "ledger.jsonl.gz.chain.json").read_text())
    assert (head["events"], head["position"]) == (EVENTS, EVENTS)
    assert head["chain_digest"] in result.stdout
    checked = _run(store, "verify", "--export", str(export))
    assert checked.exit_code == 0, checked.output
    assert f"matches the ledger's chain and events up to position {EVENTS}" in checked.stdout


def test_an_edited_export_is_found(store: str, tmp_path: Path) -> None:
    export = tmp_path / "ledger.jsonl"
    _run(store, "export", str(export), "--known-at", "2021-12-31")
    lines = export.read_bytes().splitlines(keepends=True)
    assert len(lines) == 11
    lines[6] = lines[6].replace(b"300000.00", b"900000.00")
    export.write_bytes(b"".join(lines))
    result = _run(store, "verify", "--export", str(export), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)["export"]
    assert (report["file_intact"], report["chain_matches"]) == (False, True)
    assert report["first_differing_line"] == 7


def test_a_rewritten_chain_is_found_by_the_export_head(store: str, tmp_path: Path) -> None:
    export = tmp_path / "ledger.jsonl.gz"
    _run(store, "export", str(export))
    # Someone alters an event and recomputes every link after it: the chain is consistent again,
    # but the link at the exported position is not the one the auditor holds.
    raw = RawStore(store)
    raw.alter_state(7, b'"300000.00"', b'"900000.00"')
    raw.relink_from(7)
    assert _run(store, "verify").exit_code == 0
    result = _run(store, "verify", "--export", str(export))
    assert result.exit_code == 1
    assert "the ledger's chain link at position 16 is not the export's chain_digest" \
        in result.stdout
    with gzip.open(export) as stream:
        assert len(stream.readlines()) == EVENTS


def test_changes_between_dates_as_json(sqlite_url: str) -> None:
    ledger = open_ledger(sqlite_url, create=True)
    record_pilot(ledger)
    ledger.close()
    result = _run(sqlite_url, "changes", "--from", "2021-06-30", "--to", "2021-09-30",
                  "--programme", "mcw", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["change"]: r for r in json.loads(result.stdout)}
    assert rows["entries"]["added"] == 3
    assert rows["payments"]["amount_added"] == "600000.00"
    assert (rows["active_beneficiaries"]["before"], rows["active_beneficiaries"]["after"]) == (0, 2)


def test_changes_needs_one_kind_of_comparison(sqlite_url: str) -> None:
    open_ledger(sqlite_url, create=True).close()
    result = _run(sqlite_url, "changes", "--from", "2021-06-30")
    assert result.exit_code == 2 and "--from and --to go together" in result.stderr
    result = _run(sqlite_url, "changes", "--from", "2021-06-30", "--to", "2021-09-30",
                  "--as-of", "2021-09-30")
    assert result.exit_code == 2 and "not both" in result.stderr
    result = _run(sqlite_url, "changes", "--as-of", "2021-09-30", "--compared-to",
                  "2021-10-01", "--known-at", "2021-08-01")
    assert result.exit_code == 2 and "must be after --compared-to" in result.stderr


def test_report_writes_the_page(sqlite_url: str, tmp_path: Path) -> None:
    ledger = open_ledger(sqlite_url, create=True)
    record_pilot(ledger)
    ledger.close()
    out = tmp_path / "report.html"
    result = _run(sqlite_url, "report", "--as-of", "2021-12-31", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {out} (")
    assert "Intact: the integrity chain" in out.read_text(encoding="utf-8")
    result = _run(sqlite_url, "report", "--as-of", "2021-12-31", "--out", str(out),
                  "--no-verify")
    assert result.exit_code == 0
    assert "Integrity not verified for this report." in out.read_text(encoding="utf-8")


def test_every_audit_command_has_an_example_in_its_help() -> None:
    for command in ("history", "verify", "changes", "report", "export"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert result.exit_code == 0
        assert "Example:" in result.stdout and f"ledger {command}" in result.stdout

