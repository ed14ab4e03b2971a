"""Every ledger role, as a real login, tries every forbidden statement on every ledger table and
is refused; only the narrow append path writes (SPEC §12)."""

from __future__ import annotations

import json
import uuid

import psycopg
import psycopg.errors
import pytest
from access_support import Roles

from ledger.storage import pg_access
from ledger.storage.pg_access import ENROLMENT_TOPIC

pytestmark = pytest.mark.postgres

TABLES = [*pg_access.APPEND_ONLY, "ledger_population"]
ROLES = list(pg_access.ROLES)
STATEMENTS = {
    "UPDATE": "UPDATE {t} SET {c} = {c}",
    "DELETE": "DELETE FROM {t}",
    "TRUNCATE": "TRUNCATE {t}",
    "INSERT": "INSERT INTO {t} SELECT * FROM {t} LIMIT 1",
}
FIRST_COLUMN = {"ledger_events": "topic", "ledger_chain": "digest", "ledger_keys": "digest",
                "ledger_placements": "district", "ledger_tree": "hash",
                "ledger_checkpoints": "note", "ledger_access": "role",
                "ledger_population": "population"}


def _refused(roles: Roles, role: str, statement: str) -> str:
    with roles.connect(role) as connection:
        try:
            with connection.transaction():
                connection.execute(statement)
        except psycopg.errors.InsufficientPrivilege as refused:
            return refused.diag.message_primary or ""
    raise AssertionError(f"{role} was allowed: {statement}")


@pytest.mark.parametrize("role", ROLES)
def test_no_role_changes_any_table(roles: Roles, role: str) -> None:
    before = roles.count()
    for table in TABLES:
        name = f'"{roles.schema}".{table}'
        for verb, statement in STATEMENTS.items():
            if verb == "INSERT" and table in pg_access.INSERTED_BY.get(role, ()):
                continue  # an admin's `checkpoint` inserts tree blocks and checkpoints
            message = _refused(roles, role, statement.format(t=name, c=FIRST_COLUMN[table]))
            assert "permission denied" in message, (role, verb, table, message)
    assert roles.count() == before


@pytest.mark.parametrize("role", ROLES)
def test_no_role_takes_the_lock_or_moves_the_sequence(roles: Roles, role: str) -> None:
    events = f'"{roles.schema}".ledger_events'
    _refused(roles, role, f"LOCK TABLE {events} IN EXCLUSIVE MODE")
    _refused(roles, role, f"SELECT setval(pg_get_serial_sequence('{events}', 'notification_id'),"
                          " 1)")


def test_even_the_owner_cannot_update_delete_or_truncate(roles: Roles) -> None:
    with psycopg.connect(roles.owner.split("?")[0], autocommit=True) as connection:
        for table in pg_access.APPEND_ONLY:
            name = f'"{roles.schema}".{table}'
            if table in ("ledger_tree", "ledger_checkpoints"):  # a row for the row triggers
                connection.execute(f"INSERT INTO {name} VALUES (0, 0, '', '', '', '')"
                                   if table == "ledger_checkpoints"
                                   else f"INSERT INTO {name} VALUES (0, 0, 0, '', '')")
            for verb in ("UPDATE", "DELETE", "TRUNCATE"):
                statement = STATEMENTS[verb].format(t=name, c=FIRST_COLUMN[table])
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                    connection.execute(statement)


def test_only_auditors_operators_and_admins_read_the_events(roles: Roles) -> None:
    events = f'"{roles.schema}".ledger_events'
    for role in ("operator", "auditor", "admin"):
        with roles.connect(role) as connection:
            assert connection.execute(f"SELECT count(*) FROM {events}").fetchone() == (
                roles.count(),)
    assert "permission denied" in _refused(roles, "analyst", f"SELECT state FROM {events}")
    assert "permission denied" in _refused(roles, "nobody", f"SELECT state FROM {events}")


def _append(roles: Roles, role: str, topic: str, state: dict[str, object],
            originator: uuid.UUID | None = None, position_offset: int = 1) -> None:
    """A hand-written client: straight to the definer function, with rows of its own making."""
    schema = f'"{roles.schema}"'
    with roles.connect(role) as connection, connection.transaction():
        top = int(connection.execute(
            f"SELECT max(notification_id) FROM {schema}.ledger_events").fetchone()[0])  # type: ignore[index]
        connection.execute(
            f"SELECT {schema}.ledger_append(%s::bigint[], %s::uuid[], %s::integer[], %s::text[], "
            "%s::bytea[], %s::bytea[], '{}', '{}', '{}', '{}', '{}', '{}')",
            ([top + position_offset], [originator or uuid.uuid4()], [1], [topic],
             [json.dumps(state).encode()], [bytes(32)]))


def test_the_database_enforces_the_scope_against_a_hand_written_client(roles: Roles) -> None:
    before = roles.count()
    enrolled = ENROLMENT_TOPIC + "BeneficiaryEnrolled"
    with pytest.raises(psycopg.errors.InsufficientPrivilege,
                       match="district 1306 is outside the scope"):
        _append(roles, "operator", enrolled, {"district": "1306"})
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only an admin records it"):
        _append(roles, "operator", "ledger.domain.programme:Programme.DistrictExpanded",
                {"district": "1701"})
    # A payment on a beneficiary in 1306 names no district: its timeline's does.
    with psycopg.connect(roles.owner.split("?")[0]) as connection:
        row = connection.execute(
            f"SELECT originator_id, max(originator_version) FROM \"{roles.schema}\".ledger_events "
            "WHERE convert_from(state, 'UTF8')::jsonb ->> 'beneficiary' = 'B-1306' "
            "GROUP BY 1").fetchone()
    assert row is not None
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="district 1306 is outside"), \
            roles.connect("operator") as connection, connection.transaction():
            schema = f'"{roles.schema}"'
            top = int(connection.execute(
                f"SELECT max(notification_id) FROM {schema}.ledger_events").fetchone()[0])  # type: ignore[index]
            connection.execute(
                f"SELECT {schema}.ledger_append(%s::bigint[], %s::uuid[], %s::integer[], "
                "%s::text[], %s::bytea[], %s::bytea[], '{}', '{}', '{}', '{}', '{}', '{}')",
                ([top + 1], [row[0]], [row[1] + 1], [ENROLMENT_TOPIC + "PaymentRecorded"],
                 [b"{}"], [bytes(32)]))
    with pytest.raises(psycopg.errors.RaiseException, match="positions must follow"):
        _append(roles, "admin", enrolled, {"district": "1306"}, position_offset=5)
    for role in ("auditor", "analyst"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            _append(roles, role, enrolled, {"district": "1701"})
    assert roles.count() == before


def test_nothing_on_the_append_path_is_open_to_public(roles: Roles) -> None:
    schema = f'"{roles.schema}"'
    for function in ("ledger_lock()", "ledger_grant('x', 'admin', '{}', '{}')",
                     "ledger_revoke('x')", "ledger_whoami()"):
        assert "permission denied" in _refused(roles, "nobody", f"SELECT {schema}.{function}")
    for role in ("operator", "auditor", "analyst"):
        message = _refused(roles, role, f"SELECT {schema}.ledger_grant("
                                        f"'{roles.logins[role]}', 'admin', '{{}}', '{{}}')")
        assert "permission denied" in message
