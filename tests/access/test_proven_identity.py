"""Who recorded each event is the login that appended it, stamped by the store and enforced by
the server: a hand-written client cannot lie about it, nor backdate an event; a restore
(`import --historical`) is an admin act that may not reach back before the latest checkpoint
(SPEC §12). Real LOGIN roles on the real server."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import psycopg
import psycopg.errors
import pytest
from access_support import Roles, jsonl

from ledger.audit import note
from ledger.audit.checkpoint import make_checkpoint
from ledger.bootstrap import open_ledger, open_store
from ledger.codec.decoder import stored_events
from ledger.storage.pg_access import ENROLMENT_TOPIC
from projections.report.recorders import recorders

pytestmark = pytest.mark.postgres

ENROLLED = ENROLMENT_TOPIC + "BeneficiaryEnrolled"


def enrol(beneficiary: str, **envelope: Any) -> dict[str, Any]:
    return {"event": "BeneficiaryEnrolled", "effective_date": "2021-07-01", "programme": "mcw",
            "beneficiary": beneficiary, "district": "1703", "sex": "F", **envelope}


def recorded(roles: Roles) -> list[Any]:
    store = open_store(roles.owner)
    try:
        return [event for _, event in stored_events(store)]
    finally:
        store.close()


def test_each_event_says_which_login_appended_it(roles: Roles, tmp_path: Path) -> None:
    for role, beneficiary in (("operator", "B-op"), ("admin", "B-admin")):
        result = roles.run(role, "import", str(jsonl(tmp_path / f"{role}.jsonl",
                                                     [enrol(beneficiary)])))
        assert result.exit_code == 0, result.output

    events = recorded(roles)
    by = {getattr(e, "beneficiary", None): e for e in events}
    assert by["B-op"].recorded_by == roles.logins["operator"]
    assert by["B-op"].operator == "operator"  # the declared name (--operator) stays beside it
    assert by["B-admin"].recorded_by == roles.logins["admin"]
    assert {e.recorded_by for e in events[:6]} == {"postgres"}  # the owner's setup


def test_an_operator_may_not_restore(roles: Roles, tmp_path: Path) -> None:
    before = roles.count()
    claimed = dt.datetime.now(dt.UTC).isoformat()
    path = jsonl(tmp_path / "restore.jsonl", [enrol("B-old", recorded_at=claimed)])

    result = roles.run("operator", "import", "--historical", str(path))

    assert result.exit_code != 0
    assert "only an admin of this ledger may" in result.output
    assert f"the login {roles.logins['operator']} is an operator" in result.output
    assert roles.count() == before


def test_an_admin_restores_and_is_named_as_who_appended(roles: Roles, tmp_path: Path) -> None:
    claimed = dt.datetime.now(dt.UTC).isoformat()
    path = jsonl(tmp_path / "restore.jsonl",
                 [enrol("B-old", recorded_at=claimed, recorded_by="vte_ops_2021")])

    result = roles.run("admin", "import", "--historical", str(path))

    assert result.exit_code == 0, result.output
    restored = recorded(roles)[-1]
    assert (restored.recorded_by, restored.appended_by) == ("vte_ops_2021",
                                                            roles.logins["admin"])
    assert restored.timestamp == dt.datetime.fromisoformat(claimed)
    assert restored.appended_at >= restored.timestamp


def _state(**fields: Any) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC).isoformat()
    return {"timestamp": {"_type_": "datetime_iso", "_data_": now}, "district": "1703",
            "appended_at": None, "appended_by": None, **fields}


def _append(roles: Roles, role: str, state: dict[str, Any]) -> None:
    """A hand-written client: straight to the definer function, with a state of its making."""
    schema = f'"{roles.schema}"'
    with roles.connect(role) as connection, connection.transaction():
        top = int(connection.execute(
            f"SELECT max(notification_id) FROM {schema}.ledger_events").fetchone()[0])  # type: ignore[index]
        connection.execute(
            f"SELECT {schema}.ledger_append(%s::bigint[], %s::uuid[], %s::integer[], %s::text[], "
            "%s::bytea[], %s::bytea[], '{}', '{}', '{}', '{}', '{}', '{}')",
            ([top + 1], [uuid.uuid4()], [1], [ENROLLED], [json.dumps(state).encode()],
             [bytes(32)]))


def _time(value: dt.datetime) -> dict[str, str]:
    return {"_type_": "datetime_iso", "_data_": value.isoformat()}


def test_the_server_refuses_a_hand_written_client_that_lies_about_who_or_when(
    roles: Roles,
) -> None:
    before = roles.count()
    operator, admin = roles.logins["operator"], roles.logins["admin"]
    refusals = {
        "is not the login appending it": _state(recorded_by=admin),
        "recorded_by missing": _state(),
        "before this transaction began": _state(
            recorded_by=operator, timestamp=_time(dt.datetime(2021, 1, 1, tzinfo=dt.UTC))),
        "is an admin act": _state(recorded_by="anyone", appended_by=operator,
                                  appended_at=_time(dt.datetime.now(dt.UTC))),
    }
    for message, state in refusals.items():
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=message):
            _append(roles, "operator", state)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="which is not now"):
        _append(roles, "admin", _state(recorded_by="anyone", appended_by=admin,
                                       appended_at=_time(dt.datetime(2021, 1, 1, tzinfo=dt.UTC))))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="appended_by 'someone'"):
        _append(roles, "admin", _state(recorded_by="anyone", appended_by="someone",
                                       appended_at=_time(dt.datetime.now(dt.UTC))))
    assert roles.count() == before
    _append(roles, "operator", _state(recorded_by=operator))  # the truth is accepted
    assert roles.count() == before + 1


def test_no_restore_reaches_back_before_the_latest_checkpoint(roles: Roles,
                                                              tmp_path: Path) -> None:
    owner = open_ledger(roles.owner)
    try:
        make_checkpoint(owner.store, note.generate("test/audit"), now=dt.datetime.now(dt.UTC))
    finally:
        owner.close()
    before = roles.count()
    admin = roles.logins["admin"]
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    path = jsonl(tmp_path / "restore.jsonl", [enrol("B-late", recorded_at=earlier.isoformat())])

    result = roles.run("admin", "import", "--historical", str(path))

    assert result.exit_code != 0
    assert "restore.jsonl:1: recorded_at: " in result.output
    assert "when checkpoint #1 was made" in result.output
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="before checkpoint #1"):
        _append(roles, "admin", _state(recorded_by="anyone", appended_by=admin,
                                       timestamp=_time(earlier),
                                       appended_at=_time(dt.datetime.now(dt.UTC))))
    assert roles.count() == before


def test_the_report_names_logins_for_an_auditor_and_nothing_for_an_analyst(roles: Roles) -> None:
    seen = {}
    for role in ("auditor", "analyst"):
        store = open_store(roles.url(role))
        try:
            seen[role] = recorders(store)
        finally:
            store.close()

    assert seen["analyst"] is None  # its view leaves out who recorded what
    assert seen["auditor"] is not None
    assert [(r.recorded_by, r.events) for r in seen["auditor"]] == [("postgres", 6)]
