"""Reading stored events in bulk, in notification order, as Arrow batches of (position, topic, state).

The store's own `read_rows` works for any store; for SQLite and PostgreSQL the projections read
just the three columns they need, straight from the library's events table, which is faster.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import sql as pg_sql
from psycopg.rows import tuple_row

from ledger.storage.session import LedgerStore
from projections.lines import parse_columns
from projections.raw import RAW_EVENTS, raw_table
from projections.sqlfiles import sql


class EventSource(Protocol):
    """Stored events by position; `read` returns a table shaped like RAW_EVENTS (the originator
    as a UUID in text, with or without dashes)."""

    def max_position(self) -> int: ...

    def read(self, after: int, limit: int) -> pa.Table: ...

    def close(self) -> None: ...


class StoreRows:
    """Any ledger store, through its bulk `read_rows`."""

    def __init__(self, store: LedgerStore):
        self.store = store

    def max_position(self) -> int:
        return self.store.max_position()

    def read(self, after: int, limit: int) -> pa.Table:
        rows = self.store.read_rows(after, limit)
        return raw_table(
            [r[0] for r in rows], [r[1] for r in rows], [r[3] for r in rows], [r[4] for r in rows]
        )

    def close(self) -> None:
        """The store stays open: its owner closes it."""


class SQLiteEvents:
    """The library's SQLite events table, read-only, the four columns needed.

    Read through the standard library's sqlite3, which is the same SQLite the ledger writes
    with. (The ADBC SQLite driver reads into Arrow with less work, but it bundles its own SQLite
    build: a reader killed mid-read then left the store unopenable — "disk I/O error" — for the
    ledger's own connections. tests/reliability/test_crash.py shows it.) Each batch comes back
    as one text per column (sql/sqlite_batch.sql), split by numpy; a batch whose texts cannot be
    trusted is read again row by row.
    """

    def __init__(self, uri: str, table: str):
        name = _quoted(table)
        self._batch = sql("sqlite_batch").format(events=name)
        self._rows = (
            "SELECT rowid, originator_id, topic, state "
            f"FROM {name} WHERE rowid > ? ORDER BY rowid LIMIT ?"
        )
        self._max = f"SELECT COALESCE(MAX(rowid), 0) FROM {name}"
        self.connection = sqlite3.connect(uri, uri=True, check_same_thread=False)

    def max_position(self) -> int:
        return int(self.connection.execute(self._max).fetchone()[0])

    def read(self, after: int, limit: int) -> pa.Table:
        try:
            count, positions, originators, topics, states = self.connection.execute(
                self._batch, (after, limit)
            ).fetchone()
        except sqlite3.DataError:  # a batch longer than SQLite makes one value
            return self.read_rows(after, limit)
        batch = parse_columns(
            int(count), positions or "", originators or b"", topics or b"", states or b""
        )
        return batch if batch is not None else self.read_rows(after, limit)

    def read_rows(self, after: int, limit: int) -> pa.Table:
        """The same batch, one row at a time: slower, but takes whatever bytes are stored."""
        rows = self.connection.execute(self._rows, (after, limit)).fetchall()
        return raw_table(
            [r[0] for r in rows],
            [r[1] for r in rows],
            [r[2] for r in rows],
            [r[3] for r in rows],
        )

    def close(self) -> None:
        self.connection.close()


class PostgresEvents:
    """The library's PostgreSQL events table, copied out as CSV and parsed by Arrow."""

    def __init__(self, datastore: Any, schema: str, table: str):
        self.datastore = datastore
        self.table = pg_sql.Identifier(schema, table)

    def max_position(self) -> int:
        with self.datastore.get_connection() as connection, \
                connection.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(
                pg_sql.SQL("SELECT COALESCE(MAX(notification_id), 0) FROM {}").format(self.table)
            )
            row = cursor.fetchone()
        return int(row[0]) if row else 0

    def read(self, after: int, limit: int) -> pa.Table:
        statement = pg_sql.SQL(
            "COPY (SELECT notification_id, originator_id::text, topic, "
            "convert_from(state, 'UTF8') FROM {} "
            "WHERE notification_id > {} ORDER BY notification_id LIMIT {}) "
            "TO STDOUT (FORMAT csv)"
        ).format(self.table, pg_sql.Literal(after), pg_sql.Literal(limit))
        buffer = io.BytesIO()
        with self.datastore.get_connection() as connection, connection.cursor() as cursor, \
                cursor.copy(statement) as copy:
            for chunk in copy:
                buffer.write(chunk)
        if buffer.tell() == 0:
            return RAW_EVENTS.empty_table()
        buffer.seek(0)
        return pa_csv.read_csv(
            buffer,
            read_options=pa_csv.ReadOptions(column_names=RAW_EVENTS.names),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict(zip(RAW_EVENTS.names, RAW_EVENTS.types, strict=True))
            ),
        )

    def close(self) -> None:
        """The pool belongs to the store."""


def source_for(store: LedgerStore) -> EventSource:
    """The fastest reader this store allows."""
    table = getattr(store, "events_table_name", None)
    if store.kind == "sqlite" and table and getattr(store, "path", None):
        path = Path(store.path)  # type: ignore[attr-defined]
        if path.is_file():
            return SQLiteEvents(store.reader_uri(), table)  # type: ignore[attr-defined]
    datastore = getattr(store, "datastore", None)
    if store.kind == "postgres" and table and datastore is not None:
        return PostgresEvents(datastore, datastore.schema, table)
    return StoreRows(store)


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
