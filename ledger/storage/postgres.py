"""The shared store: the library's PostgreSQL recorder plus the ledger's tables, in one schema."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from uuid import UUID

import psycopg
import psycopg.errors
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import sql
from psycopg.rows import tuple_row

from ledger.storage.errors import AccessRefused
from ledger.storage.postgres_reader import PostgresReader
from ledger.storage.scope import RECORDS, Scope
from ledger.storage.session import (
    GENESIS,
    Key,
    LedgerStore,
    NewKey,
    NewPlacement,
    Row,
    Session,
    finish_writes,
)

ANALYST_EVENTS = "ledger_analyst_events"  # the analysts' view of the events (pg_access.py)
NOTICE_AFTER_S = 1.0  # a writer that has waited this long for the lock says so


class PostgresSession(Session):
    def __init__(self, cursor: psycopg.Cursor[Any], names: _Names, scope: Scope | None = None,
                 login: str | None = None):
        self.cursor = cursor
        self.names = names
        if login is not None:
            self.recorded_by = login  # the server's `session_user`: who every append is by
        self.scope = scope
        """The login's ledger role (SPEC §12): None for the store's owner (or a store without
        roles), which writes the tables directly; else every append goes through the database's
        `ledger_append`, which checks the role and scope again."""

    def _find_keys(self, keys: Collection[str]) -> dict[str, Key]:
        if not keys:
            return {}
        self.cursor.execute(
            sql.SQL("SELECT key, originator_id, digest FROM {} WHERE key = ANY(%s)").format(
                self.names.keys
            ),
            (list(keys),),
        )
        return {k: Key(k, UUID(str(o)), d) for k, o, d in self.cursor.fetchall()}

    def _load(self, originator_ids: Collection[UUID]) -> dict[UUID, list[StoredEvent]]:
        loaded: dict[UUID, list[StoredEvent]] = {}
        if not originator_ids:
            return loaded
        self.cursor.execute(
            sql.SQL(
                "SELECT originator_id, originator_version, topic, state FROM {} "
                "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
            ).format(self.names.events),
            (list(originator_ids),),
        )
        for originator_id, version, topic, state in self.cursor.fetchall():
            loaded.setdefault(originator_id, []).append(
                StoredEvent(originator_id, version, topic, bytes(state))
            )
        return loaded

    def _placements(self, programme: str, districts: Collection[str] | None) -> set[UUID]:
        if districts is None:
            self.cursor.execute(
                sql.SQL("SELECT originator_id FROM {} WHERE programme = %s").format(
                    self.names.placements
                ),
                (programme,),
            )
        else:
            self.cursor.execute(
                sql.SQL(
                    "SELECT originator_id FROM {} WHERE programme = %s AND district = ANY(%s)"
                ).format(self.names.placements),
                (programme, list(districts)),
            )
        return {row[0] for row in self.cursor.fetchall()}

    def _originators(self, topic: str) -> set[UUID]:
        self.cursor.execute(
            sql.SQL("SELECT DISTINCT originator_id FROM {} WHERE topic = %s").format(
                self.names.events
            ),
            (topic,),
        )
        return {row[0] for row in self.cursor.fetchall()}

    def _last_state(self) -> bytes | None:
        self.cursor.execute(
            sql.SQL("SELECT state FROM {} ORDER BY notification_id DESC LIMIT 1").format(
                self.names.events
            )
        )
        row = self.cursor.fetchone()
        return bytes(row[0]) if row else None

    def _position(self, originator_id: UUID, version: int) -> int | None:
        self.cursor.execute(
            sql.SQL(
                "SELECT notification_id FROM {} WHERE originator_id = %s AND originator_version = %s"
            ).format(self.names.events),
            (originator_id, version),
        )
        row = self.cursor.fetchone()
        return int(row[0]) if row else None

    def _latest_checkpoint(self) -> tuple[int, str] | None:
        table = sql.Identifier(self.names.schema_name, "ledger_checkpoints")
        self.cursor.execute("SELECT to_regclass(%s)", (table.as_string(),))
        found = self.cursor.fetchone()
        if found is None or found[0] is None:
            return None
        self.cursor.execute(sql.SQL("SELECT number, made_at FROM {} ORDER BY number DESC "
                                    "LIMIT 1").format(table))
        row = self.cursor.fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def _head(self) -> tuple[int, bytes]:
        self.cursor.execute(
            sql.SQL("SELECT COALESCE(MAX(notification_id), 0) FROM {}").format(self.names.events)
        )
        top = int(self.cursor.fetchone()[0])  # type: ignore[index]
        self.cursor.execute(
            sql.SQL("SELECT position, digest FROM {} ORDER BY position DESC LIMIT 1").format(
                self.names.chain
            )
        )
        last = self.cursor.fetchone()
        if last is None:
            return top, GENESIS
        return max(top, int(last[0])), bytes(last[1])

    def _insert(self, rows: Sequence[Row], links: bytes, keys: Sequence[NewKey],
                placements: Sequence[NewPlacement]) -> None:
        if self.scope is not None:
            self._append_through_definer(rows, links, keys, placements)
            return
        try:
            with self.cursor.copy(
                sql.SQL(
                    "COPY {} (notification_id, originator_id, originator_version, topic, state) "
                    "FROM STDIN"
                ).format(self.names.events)
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            with self.cursor.copy(
                sql.SQL("COPY {} (position, digest) FROM STDIN").format(self.names.chain)
            ) as copy:
                for i, row in enumerate(rows):
                    copy.write_row((row[0], links[32 * i : 32 * i + 32]))
            with self.cursor.copy(
                sql.SQL("COPY {} (key, originator_id, digest) FROM STDIN").format(self.names.keys)
            ) as copy:
                for key in keys:
                    copy.write_row(key)
            if placements:
                # One statement, not executemany: the server's idle-in-transaction timeout only
                # watches a session between statements it has seen complete.
                self.cursor.execute(
                    sql.SQL(
                        "INSERT INTO {} (programme, district, originator_id) "
                        "SELECT * FROM unnest(%s::text[], %s::text[], %s::uuid[]) "
                        "ON CONFLICT DO NOTHING"
                    ).format(self.names.placements),
                    (
                        [p[0] for p in placements],
                        [p[1] for p in placements],
                        [p[2] for p in placements],
                    ),
                )
        except psycopg.errors.UniqueViolation as conflict:
            raise IntegrityError(conflict) from conflict

    def _append_through_definer(self, rows: Sequence[Row], links: bytes, keys: Sequence[NewKey],
                                placements: Sequence[NewPlacement]) -> None:
        """The one narrow path of a ledger role: `ledger_append` (ledger/storage/pg_access.py)."""
        try:
            self.cursor.execute(
                sql.SQL(
                    "SELECT {}.ledger_append(%s::bigint[], %s::uuid[], %s::integer[], %s::text[], "
                    "%b::bytea[], %b::bytea[], %s::text[], %s::uuid[], %s::text[], %s::text[], "
                    "%s::text[], %s::uuid[])"
                ).format(self.names.schema),
                (
                    [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                    [r[3] for r in rows], [r[4] for r in rows],
                    [links[32 * i : 32 * i + 32] for i in range(len(rows))],
                    [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys],
                    [p[0] for p in placements], [p[1] for p in placements],
                    [p[2] for p in placements],
                ),
            )
        except psycopg.errors.UniqueViolation as conflict:
            raise IntegrityError(conflict) from conflict


class _Names:
    def __init__(self, schema: str, events_table: str):
        self.schema = sql.Identifier(schema)
        self.schema_name = schema
        self.events = sql.Identifier(schema, events_table)
        self.keys = sql.Identifier(schema, "ledger_keys")
        self.placements = sql.Identifier(schema, "ledger_placements")
        self.chain = sql.Identifier(schema, "ledger_chain")
        self.qualified_events = sql.Identifier(schema, events_table).as_string()
        self.qualified_schema = sql.Identifier(schema).as_string()
        self.analyst_events = sql.Identifier(schema, ANALYST_EVENTS)


class LedgerPostgresRecorder(LedgerStore, PostgresApplicationRecorder):
    """The library's application recorder, with the ledger's tables and sessions beside it."""

    kind = "postgres"
    url = ""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.names = _Names(datastore.schema, events_table_name)
        for statement in (
            "CREATE TABLE IF NOT EXISTS {keys} (key text PRIMARY KEY, originator_id uuid NOT NULL, "
            "digest text NOT NULL)",
            "CREATE TABLE IF NOT EXISTS {placements} (programme text, district text, "
            "originator_id uuid, PRIMARY KEY (programme, district, originator_id))",
            "CREATE TABLE IF NOT EXISTS {chain} (position bigint PRIMARY KEY, digest bytea NOT NULL)",
        ):
            self.sql_create_statements.append(
                sql.SQL(statement).format(
                    keys=self.names.keys, placements=self.names.placements, chain=self.names.chain
                )
            )

    @contextmanager
    def _transaction(self, *, lock: bool) -> Iterator[PostgresSession]:
        try:
            with self.datastore.get_connection() as connection, connection.transaction(), \
                    connection.cursor(row_factory=tuple_row) as cursor:
                login, scope = self._identity(cursor) if lock else (None, None)
                if lock:
                    self._lock(connection, cursor, scope)
                session = PostgresSession(cursor, self.names, scope, login)
                try:
                    yield session
                except BaseException:
                    finish_writes(session, failed=True)
                    raise
                finish_writes(session, failed=False)
                if lock and scope is None:
                    # Positions are chosen by the ledger, not the sequence; keep it ahead of them.
                    cursor.execute(
                        sql.SQL(
                            "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), "
                            "GREATEST((SELECT MAX(notification_id) FROM {}), 1))"
                        ).format(self.names.events),
                        (self.names.qualified_events,),
                    )
        except psycopg.errors.InsufficientPrivilege as refused:
            raise AccessRefused(self._refusal(refused)) from None
        except psycopg.OperationalError as failure:
            raise OperationalError(failure) from failure

    def _identity(self, cursor: Any) -> tuple[str, Scope | None]:
        """Who the server says this login is (`session_user`, SPEC §12), and its ledger role
        and scope if the store has roles and it holds one."""
        whoami = f"{self.names.qualified_schema}.ledger_whoami()"
        cursor.execute("SELECT p IS NOT NULL AND has_function_privilege(p, 'EXECUTE'), "
                       "session_user FROM to_regprocedure(%s) p", (whoami,))
        row = cursor.fetchone()
        login = str(row[1])
        return login, (self._scope(cursor, login) if row[0] else None)

    def _scope(self, cursor: Any, login: str) -> Scope | None:
        """The login's ledger role and scope (the store has roles)."""
        cursor.execute(sql.SQL("SELECT role, provinces, districts FROM {}.ledger_whoami()").format(
            self.names.schema))
        found = cursor.fetchone()
        if found is None or found[0] is None:
            return None  # the owner (or a login that holds no role: the tables refuse it)
        scope = Scope(login, str(found[0]), frozenset(found[1]), frozenset(found[2]))
        if scope.role not in RECORDS:
            raise AccessRefused(f"the login {scope.login} is an {scope.role} of this ledger: it "
                                "records nothing (an operator or an admin records)")
        return scope

    def _refusal(self, refused: psycopg.errors.InsufficientPrivilege) -> str:
        message = refused.diag.message_primary or str(refused)
        if message.startswith("permission denied"):
            return (f"the database refused this login ({message}): it holds no ledger role that "
                    "allows this; the store's owner grants one with `ledger access grant LOGIN "
                    "--as operator|auditor|analyst|admin`; nothing was recorded")
        return f"the database refused: {message}; nothing was recorded"

    def _lock(self, connection: Any, cursor: Any, scope: Scope | None = None) -> None:
        """Take the write lock; a writer that has to wait for another's says so (`on_wait`)."""
        statement = sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(self.names.events)
        if scope is not None:  # a ledger role locks through the store's definer function
            statement = sql.SQL("SELECT {}.ledger_lock()").format(self.names.schema)
        if self.on_wait is None:
            cursor.execute(statement)
            return
        cursor.execute(f"SET LOCAL lock_timeout = '{int(NOTICE_AFTER_S * 1000)}ms'")
        try:
            with connection.transaction():  # a savepoint: a timed-out LOCK leaves ours usable
                cursor.execute(statement)
        except psycopg.errors.LockNotAvailable:
            self.on_wait("waiting for another command writing to the store to finish…")
            cursor.execute("RESET lock_timeout")
            cursor.execute(statement)
        else:
            cursor.execute("RESET lock_timeout")

    def reading(self) -> AbstractContextManager[PostgresSession]:
        return self._transaction(lock=False)

    def writing(self) -> AbstractContextManager[PostgresSession]:
        return self._transaction(lock=True)

    def reader(self) -> PostgresReader:
        return PostgresReader(self.datastore, self._events_readable(), self.names.chain)

    def close(self) -> None:
        self.datastore.close()

    _readable: sql.Identifier | None = None

    def events_relation(self) -> str:
        """The relation this login reads events from: the events table, or for a login that
        may not read it (an analyst) the view with only the projected fields. Readers of
        (notification_id, originator_id, topic, state) work the same on either."""
        return ANALYST_EVENTS if self._events_readable() is self.names.analyst_events \
            else self.events_table_name

    def _events_readable(self) -> sql.Identifier:
        if self._readable is None:
            with self.reading() as session:
                session.cursor.execute(
                    "SELECT has_table_privilege(%s, 'SELECT'), to_regclass(%s) IS NOT NULL "
                    "AND has_table_privilege(%s, 'SELECT')",
                    (self.names.qualified_events, self.analyst_qualified(),
                     self.analyst_qualified()))
                table, view = session.cursor.fetchone()  # type: ignore[misc]
            self._readable = self.names.analyst_events if view and not table else self.names.events
        return self._readable

    def analyst_qualified(self) -> str:
        return self.names.analyst_events.as_string()
