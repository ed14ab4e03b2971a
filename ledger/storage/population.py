"""The population reference table, kept in the store beside the events (never on their append path).

Created on demand (by `init`, by the first import, or not at all for a store that never had
figures), so stores made before it existed gain it without a migration.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ledger.storage.session import LedgerStore

if TYPE_CHECKING:
    from psycopg import sql as pg_sql

# (district, sex, age_band, year, population, source)
PopulationRow = tuple[str, str, str, int, int, str]

_COLUMNS = "district, sex, age_band, year, population, source"
_CREATE = (
    "CREATE TABLE IF NOT EXISTS {table} ("
    "district TEXT NOT NULL, sex TEXT NOT NULL, age_band TEXT NOT NULL, year INTEGER NOT NULL, "
    "population BIGINT NOT NULL, source TEXT NOT NULL, "
    "PRIMARY KEY (source, year, district, sex, age_band))"
)
TABLE = "ledger_population"


def create(store: LedgerStore) -> None:
    """Make the table if it is not there yet."""
    with store.writing() as session:
        _execute(store, session, _CREATE, ())


def replace(store: LedgerStore, rows: Sequence[PopulationRow]) -> None:
    """Replace every (source, year) the rows name by the rows, in one transaction."""
    editions = sorted({(r[5], r[3]) for r in rows})
    with store.writing() as session:
        _execute(store, session, _CREATE, ())
        for source, year in editions:
            _execute(store, session, "DELETE FROM {table} WHERE source = ? AND year = ?",
                     (source, year))
        _execute_many(store, session,
                      f"INSERT INTO {{table}} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", rows)


def read(store: LedgerStore) -> list[PopulationRow]:
    """Every figure, in a fixed order (none if the table was never made)."""
    with store.reading() as session:
        if not _exists(store, session):
            return []
        statement = f"SELECT {_COLUMNS} FROM {{table}} ORDER BY source, year, district, sex, age_band"
        if store.kind == "postgres":
            cursor = session.cursor  # type: ignore[attr-defined]
            cursor.execute(_pg_statement(store, statement))
            fetched = cursor.fetchall()
        else:
            fetched = session.db.execute(statement.format(table=TABLE)).fetchall()  # type: ignore[attr-defined]
    return [(str(d), str(s), str(a), int(y), int(p), str(src)) for d, s, a, y, p, src in fetched]


def _exists(store: LedgerStore, session: object) -> bool:
    if store.kind == "postgres":
        cursor = session.cursor  # type: ignore[attr-defined]
        cursor.execute("SELECT to_regclass(%s)", (f"{store.datastore.schema}.{TABLE}",))  # type: ignore[attr-defined]
        row = cursor.fetchone()
        return row is not None and row[0] is not None
    found = session.db.execute(  # type: ignore[attr-defined]
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
    ).fetchone()
    return found is not None


def _pg_statement(store: LedgerStore, statement: str) -> pg_sql.Composed:
    """A statement for PostgreSQL, the table named in the store's schema (psycopg imported only
    here: recording a fact on SQLite must not load it)."""
    from psycopg import sql as pg_sql

    table: Any = pg_sql.Identifier(store.datastore.schema, TABLE)  # type: ignore[attr-defined]
    return pg_sql.SQL(statement.replace("?", "%s")).format(table=table)


def _execute(store: LedgerStore, session: object, statement: str,
             values: Sequence[object]) -> None:
    if store.kind == "postgres":
        session.cursor.execute(_pg_statement(store, statement), values)  # type: ignore[attr-defined]
    else:
        session.db.execute(statement.format(table=TABLE), values)  # type: ignore[attr-defined]


def _execute_many(store: LedgerStore, session: object, statement: str,
                  rows: Iterable[Sequence[object]]) -> None:
    if store.kind == "postgres":
        session.cursor.executemany(  # type: ignore[attr-defined]
            _pg_statement(store, statement), list(rows)
        )
    else:
        session.db.executemany(statement.format(table=TABLE), rows)  # type: ignore[attr-defined]
