"""SQL on the ledger's side tables (the tree, the checkpoints) for SQLite and PostgreSQL alike.

Statements are written once, with `?` placeholders and `{name}` for the table; for PostgreSQL the
table is named in the store's schema and the placeholders become `%s`. psycopg is imported only
for PostgreSQL stores: work on a SQLite store must not load it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ledger.storage.session import LedgerStore

if TYPE_CHECKING:
    from psycopg import sql as pg_sql


def execute(store: LedgerStore, session: object, statement: str, table: str,
            values: Sequence[object] = ()) -> None:
    """Run one statement on `table` inside `session`."""
    if store.kind == "postgres":
        session.cursor.execute(_pg(store, statement, table), values)  # type: ignore[attr-defined]
    else:
        session.db.execute(statement.format(name=table), values)  # type: ignore[attr-defined]


def execute_many(store: LedgerStore, session: object, statement: str, table: str,
                 rows: Iterable[Sequence[object]]) -> None:
    if store.kind == "postgres":
        session.cursor.executemany(_pg(store, statement, table), list(rows))  # type: ignore[attr-defined]
    else:
        session.db.executemany(statement.format(name=table), rows)  # type: ignore[attr-defined]


def fetch(store: LedgerStore, session: object, statement: str, table: str,
          values: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    """The rows a query on `table` returns (bytea as bytes on both stores)."""
    if store.kind == "postgres":
        cursor = session.cursor  # type: ignore[attr-defined]
        cursor.execute(_pg(store, statement, table), values)
        rows = cursor.fetchall()
    else:
        rows = session.db.execute(statement.format(name=table), values).fetchall()  # type: ignore[attr-defined]
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows]


def exists(store: LedgerStore, session: object, table: str) -> bool:
    """Whether `table` was ever made in this store."""
    if store.kind == "postgres":
        cursor = session.cursor  # type: ignore[attr-defined]
        cursor.execute("SELECT to_regclass(%s)",
                       (f'"{store.datastore.schema}"."{table}"',))  # type: ignore[attr-defined]
        row = cursor.fetchone()
        return row is not None and row[0] is not None
    found = session.db.execute(  # type: ignore[attr-defined]
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    return found is not None


def blob_type(store: LedgerStore) -> str:
    return "BYTEA" if store.kind == "postgres" else "BLOB"


def _pg(store: LedgerStore, statement: str, table: str) -> pg_sql.Composed:
    from psycopg import sql as pg_sql

    name: Any = pg_sql.Identifier(store.datastore.schema, table)  # type: ignore[attr-defined]
    return pg_sql.SQL(statement.replace("?", "%s")).format(name=name)


def is_postgres_conflict(failure: BaseException) -> bool:
    """A unique violation raised by psycopg (tested by name: SQLite stores never import it)."""
    kind = type(failure)
    return kind.__module__.startswith("psycopg") and kind.__name__ == "UniqueViolation"
