"""Reading stored events together with their chain links, in one pass, for `verify`.

Each row is an event with the digest of the chain link at its position (None when there is no
link). SQLite and PostgreSQL join the two tables in the database — half the rows to fetch and no
object per link; any other store merges its `read_rows` and `read_chain`. Links whose event is
gone do not appear: they show as a gap in positions, which `verify` walks carefully.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Protocol

from psycopg import sql
from psycopg.rows import tuple_row

from ledger.storage.session import LedgerStore

Chained = tuple[int, str, int, str, bytes, bytes | None]
"""(position, originator_id as hex, originator_version, topic, state, link digest or None)."""


class ChainedReader(Protocol):
    def read(self, after: int, limit: int) -> list[Chained]: ...

    def close(self) -> None: ...


class SQLiteChained:
    """The SQLite file's events table joined with its chain, read-only."""

    def __init__(self, uri: str, table: str):
        self.connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        name = '"' + table.replace('"', '""') + '"'
        self.select = (
            "SELECT e.rowid, e.originator_id, e.originator_version, e.topic, e.state, c.digest "
            f"FROM {name} AS e LEFT JOIN ledger_chain AS c ON c.position = e.rowid "
            "WHERE e.rowid > ? ORDER BY e.rowid LIMIT ?"
        )

    def read(self, after: int, limit: int) -> list[Chained]:
        return self.connection.execute(self.select, (after, limit)).fetchall()

    def close(self) -> None:
        self.connection.close()


class PostgresChained:
    """The PostgreSQL schema's events table joined with its chain."""

    def __init__(self, datastore: Any, events: sql.Identifier, chain: sql.Identifier):
        self.datastore = datastore
        self.select = sql.SQL(
            "SELECT e.notification_id, replace(e.originator_id::text, '-', ''), "
            "e.originator_version, e.topic, e.state, c.digest "
            "FROM {} AS e LEFT JOIN {} AS c ON c.position = e.notification_id "
            "WHERE e.notification_id > %s ORDER BY e.notification_id LIMIT %s"
        ).format(events, chain)

    def read(self, after: int, limit: int) -> list[Chained]:
        with self.datastore.get_connection() as connection, \
                connection.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(self.select, (after, limit))
            return [
                (p, o, v, t, bytes(s), bytes(d) if d is not None else None)
                for p, o, v, t, s, d in cursor.fetchall()
            ]

    def close(self) -> None:
        """The pool belongs to the store."""


class MergedChained:
    """Any store: its events and its chain read separately and matched by position."""

    def __init__(self, store: LedgerStore):
        self.store = store

    def read(self, after: int, limit: int) -> list[Chained]:
        rows = self.store.read_rows(after, limit)
        if not rows:
            return []
        links = {c.position: c.digest for c in self.store.read_chain(after, limit)
                 if c.position <= rows[-1][0]}
        return [(*row, links.get(row[0])) for row in rows]

    def close(self) -> None:
        """The store stays open: its owner closes it."""


def chained_reader(store: LedgerStore) -> ChainedReader:
    """The fastest way this store allows to read events with their links."""
    table = getattr(store, "events_table_name", None)
    path = getattr(store, "path", None)
    if store.kind == "sqlite" and table and path and Path(path).is_file():
        return SQLiteChained(store.reader_uri(), table)  # type: ignore[attr-defined]
    names = getattr(store, "names", None)
    datastore = getattr(store, "datastore", None)
    if store.kind == "postgres" and names is not None and datastore is not None:
        return PostgresChained(datastore, names.events, names.chain)
    return MergedChained(store)
