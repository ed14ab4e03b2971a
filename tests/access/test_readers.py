"""Auditors read events, chain and checkpoints; analysts only what the projections need, never
personal fields; `ledger access` manages it all, and says so plainly on SQLite (SPEC §12)."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg.errors
import pytest
from access_support import Roles
from click.testing import CliRunner

from cli.main import cli
from ledger.bootstrap import open_ledger
from ledger.storage.postgres import ANALYST_EVENTS, LedgerPostgresRecorder

pytestmark = pytest.mark.postgres

PERSONAL = ("birth_date", "household", "note", "operator", "beneficiary")


def test_an_admin_checkpoints_and_an_auditor_verifies_against_it(roles: Roles,
                                                                 tmp_path: Path) -> None:
    key = tmp_path / "audit"
    assert roles.run("owner", "keygen", "--out", str(key)).exit_code == 0
    note = tmp_path / "note.txt"
    made = roles.run("admin", "checkpoint", "--key", f"{key}.key", "--out", str(note))
    assert made.exit_code == 0, made.output
    assert roles.run("operator", "checkpoint", "--key", f"{key}.key").exit_code == 1
    for command in (["verify", "--checkpoint", str(note), "--public-key", f"{key}.pub"],
                    ["history", "--beneficiary", "B-1306"],
                    ["export", str(tmp_path / "all.jsonl")]):
        result = roles.run("auditor", *command)
        assert result.exit_code == 0, (command, result.output)
    assert "B-1306" in roles.run("auditor", "history", "--beneficiary", "B-1306").output


def test_an_analyst_reads_the_projected_fields_only(roles: Roles) -> None:
    ledger = open_ledger(roles.url("analyst"))
    try:
        store = ledger.store
        assert isinstance(store, LedgerPostgresRecorder)
        assert store.events_relation() == ANALYST_EVENTS
        assert store.max_position() == roles.count()
        rows = [row for batch in store.iter_rows() for row in batch]
        assert len(rows) == roles.count()
        states = [json.loads(row[4]) for row in rows]
        enrolled = [s for s in states if s.get("district") == "1306" and "sex" in s]
        assert enrolled and enrolled[0]["sex"] == "M"
        for state in states:
            assert not set(state) & set(PERSONAL), state
        table = store.reader().arrow(0, 100)  # what the projections read, through the view
        assert table.num_rows == roles.count()
        text = " ".join(str(v) for v in table.column("state").to_pylist())
        assert "HH-SECRET" not in text and "private note" not in text and "2020-02-05" not in text
        with store.datastore.get_connection() as connection, connection.cursor() as cursor, \
                pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute(f'SELECT state FROM "{roles.schema}".ledger_events')
    finally:
        ledger.close()
    owner = open_ledger(roles.owner)
    try:
        assert owner.store.events_relation() == "ledger_events"  # type: ignore[attr-defined]
    finally:
        owner.close()


def test_access_list_grant_and_revoke(roles: Roles) -> None:
    listed = roles.run("owner", "access", "list")
    assert listed.exit_code == 0, listed.output
    operator = roles.logins["operator"]
    assert [line.split()[:4] for line in listed.output.splitlines() if operator in line] == [
        [operator, "operator", "province", "17"]]
    nobody = roles.logins["nobody"]
    granted = roles.run("admin", "access", "grant", nobody, "--as", "operator",
                        "--district", "1306", "--province", "01")
    assert granted.exit_code == 0, granted.output
    assert "operator of this ledger in province 01; district 1306" in granted.output
    rows = json.loads(roles.run("auditor", "access", "list", "--format", "json").output)
    assert {r["login"]: r["scope"] for r in rows}[nobody] == "province 01; district 1306"
    revoked = roles.run("owner", "access", "revoke", nobody)
    assert revoked.exit_code == 0 and "no longer holds" in revoked.output
    assert nobody not in roles.run("owner", "access", "list").output
    again = roles.run("owner", "access", "revoke", nobody)
    assert "held no ledger role" in again.output


@pytest.mark.parametrize(("args", "message"), [
    (["--as", "operator"], "give at least one --province or --district"),
    (["--as", "auditor", "--province", "17"], "an auditor has no scope"),
    (["--as", "operator", "--district", "9999"], "unknown province or district code: 9999"),
])
def test_grant_refuses_a_wrong_scope(roles: Roles, args: list[str], message: str) -> None:
    result = roles.run("owner", "access", "grant", roles.logins["nobody"], *args)
    assert result.exit_code == 1 and message in result.output, result.output


def test_grant_needs_an_existing_login_and_an_admin(roles: Roles) -> None:
    missing = roles.run("owner", "access", "grant", "no_such_login_x", "--as", "auditor")
    assert missing.exit_code == 1 and "there is no login role no_such_login_x" in missing.output
    for role in ("operator", "auditor", "analyst"):
        result = roles.run(role, "access", "grant", roles.logins[role], "--as", "admin")
        assert result.exit_code == 1 and "Error:" in result.output, result.output
        assert "Traceback" not in result.output


def test_access_on_sqlite_says_it_is_postgresql_s(tmp_path: Path) -> None:
    store = str(tmp_path / "ledger.db")
    assert CliRunner().invoke(cli, ["--store", store, "init"]).exit_code == 0
    for args in (["list"], ["grant", "someone", "--as", "auditor"], ["revoke", "someone"]):
        result = CliRunner().invoke(cli, ["--store", store, "access", *args])
        assert result.exit_code == 1
        assert "access control is PostgreSQL's" in result.output
        assert "mode 0600" in result.output
