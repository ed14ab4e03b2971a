"""`ledger access grant|revoke|list`: ledger roles and scopes held by PostgreSQL logins (SPEC §12).

A store's owner (or an admin) grants a login one ledger role; an operator's grant names the
provinces and districts it records in. Grants and revokes are rows of `ledger_access`, kept like
the ledger's own (nothing is changed or deleted), through the database's definer functions; the
group roles, privileges, triggers and functions are made by the owner's first grant
(ledger/storage/pg_access.py). SQLite has no logins: its file's OS permissions are its access
control.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ledger.access.scope import ROLES, Scope
from ledger.errors import LedgerError
from ledger.geography import load_geography
from ledger.storage.session import LedgerStore

SQLITE = ("access control is PostgreSQL's: a SQLite store is one user's file, readable and "
          "writable only by its OS user (created with mode 0600); give others an export, or "
          "move the ledger to PostgreSQL (docs/deployment.md)")


class AccessError(LedgerError):
    """An access command that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class Grant:
    """A ledger role in force, as `access list` shows it."""

    scope: Scope
    granted_at: dt.datetime
    granted_by: str


def grant(store: LedgerStore, login: str, role: str, provinces: Sequence[str] = (),
          districts: Sequence[str] = ()) -> Scope:
    """Give `login` (an existing PostgreSQL login) the ledger role `role`, replacing any other."""
    scope = checked_scope(login, role, provinces, districts)
    with _cursor(store) as (cursor, schema):
        if _is_owner(cursor, schema):
            from ledger.storage import pg_access

            cursor.execute("SELECT current_database()")
            pg_access.install(cursor, str(cursor.fetchone()[0]), schema)
        _require_installed(cursor, schema)
        cursor.execute(f"SELECT {_q(schema)}.ledger_grant(%s, %s, %s::text[], %s::text[])",
                       (login, role, sorted(scope.provinces), sorted(scope.districts)))
    return scope


def revoke(store: LedgerStore, login: str) -> bool:
    """Take `login`'s ledger role away; False if it held none."""
    with _cursor(store) as (cursor, schema):
        _require_installed(cursor, schema)
        cursor.execute(f"SELECT {_q(schema)}.ledger_revoke(%s)", (login,))
        return bool(cursor.fetchone()[0])


def listing(store: LedgerStore) -> list[Grant]:
    """Every ledger role in force, by login."""
    with _cursor(store) as (cursor, schema):
        if not _installed(cursor, schema):
            return []
        cursor.execute(f"SELECT login, role, provinces, districts, granted_at, granted_by "
                       f"FROM {_q(schema)}.ledger_access_now ORDER BY login")
        return [Grant(Scope(str(login), str(role), frozenset(p), frozenset(d)), at, str(by))
                for login, role, p, d, at, by in cursor.fetchall()]


def checked_scope(login: str, role: str, provinces: Iterable[str],
                  districts: Iterable[str]) -> Scope:
    """The scope asked for, once every code is known and the role takes a scope."""
    if role not in ROLES:
        raise AccessError(f"no ledger role {role!r} (roles: {', '.join(ROLES)})")
    geography = load_geography()
    provinces, districts = frozenset(provinces), frozenset(districts)
    unknown = sorted(p for p in provinces if p not in geography.provinces)
    unknown += sorted(d for d in districts if d not in geography)
    if unknown:
        raise AccessError(f"unknown province or district code: {', '.join(unknown)} "
                          "(see replay_data/geography/)")
    if role == "operator" and not (provinces or districts):
        raise AccessError("an operator records only in its scope: give at least one --province "
                          "or --district")
    if role != "operator" and (provinces or districts):
        raise AccessError(f"an {role} has no scope (only operators do): drop --province and "
                          "--district")
    return Scope(login, role, provinces, districts)


@contextmanager
def _cursor(store: LedgerStore) -> Iterator[tuple[Any, str]]:
    """A cursor on the store's database in one transaction, with the store's schema."""
    if store.kind != "postgres":
        raise AccessError(SQLITE)
    import psycopg.errors
    from psycopg.rows import tuple_row

    datastore: Any = store.datastore  # type: ignore[attr-defined]
    try:
        with datastore.get_connection() as connection, connection.transaction(), \
                connection.cursor(row_factory=tuple_row) as cursor:
            yield cursor, str(datastore.schema)
    except Exception as error:
        cause = error if isinstance(error, psycopg.Error) else error.__cause__
        if isinstance(cause, psycopg.errors.InsufficientPrivilege | psycopg.errors.UndefinedObject):
            raise AccessError(cause.diag.message_primary or str(cause)) from None
        raise


def _q(schema: str) -> str:
    return '"' + schema.replace('"', '""') + '"'


def _installed(cursor: Any, schema: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{_q(schema)}.ledger_access",))
    return bool(cursor.fetchone()[0])


def _require_installed(cursor: Any, schema: str) -> None:
    if not _installed(cursor, schema):
        raise AccessError("this store has no ledger roles yet: its owner's first "
                          "`ledger access grant` makes them")


def _is_owner(cursor: Any, schema: str) -> bool:
    cursor.execute("SELECT pg_has_role(session_user, relowner, 'MEMBER') FROM pg_class "
                   "WHERE oid = to_regclass(%s)", (f"{_q(schema)}.ledger_events",))
    row = cursor.fetchone()
    return bool(row and row[0])
