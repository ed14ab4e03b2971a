"""The PostgreSQL store's reader: the events table and its chain, through the store's pool (each
read a statement of its own, on an autocommit connection); Arrow batches are copied out as CSV
and parsed by Arrow."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from psycopg import sql
from psycopg.rows import tuple_row

from ledger.storage.reader import Chained, ChainLink, Reader, Row

if TYPE_CHECKING:
    import pyarrow as pa


class PostgresReader(Reader):
    def __init__(self, datastore: Any, events: sql.Identifier, chain: sql.Identifier):
        self.datastore = datastore  # its pool belongs to the store, which closes it
        self.events = events
        self._max = sql.SQL("SELECT COALESCE(MAX(notification_id), 0) FROM {}").format(events)
        self._rows = sql.SQL(
            "SELECT notification_id, replace(originator_id::text, '-', ''), "
            "originator_version, topic, state FROM {} WHERE notification_id > %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(events)
        self._chained = sql.SQL(
            "SELECT e.notification_id, replace(e.originator_id::text, '-', ''), "
            "e.originator_version, e.topic, e.state, c.digest "
            "FROM {} AS e LEFT JOIN {} AS c ON c.position = e.notification_id "
            "WHERE e.notification_id > %s ORDER BY e.notification_id LIMIT %s"
        ).format(events, chain)
        self._links = sql.SQL(
            "SELECT position, digest FROM {} WHERE position > %s ORDER BY position LIMIT %s"
        ).format(chain)

    def _fetch(self, statement: sql.Composed, *values: int) -> list[tuple[Any, ...]]:
        with self.datastore.get_connection() as connection, \
                connection.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(statement, values)
            return list(cursor.fetchall())

    def max_position(self) -> int:
        return int(self._fetch(self._max)[0][0])

    def rows(self, after: int, limit: int) -> list[Row]:
        return [(p, o, v, t, bytes(s)) for p, o, v, t, s in self._fetch(self._rows, after, limit)]

    def chained(self, after: int, limit: int) -> list[Chained]:
        return [
            (p, o, v, t, bytes(s), bytes(d) if d is not None else None)
            for p, o, v, t, s, d in self._fetch(self._chained, after, limit)
        ]

    def links(self, after: int, limit: int) -> list[ChainLink]:
        return [ChainLink(int(p), bytes(d)) for p, d in self._fetch(self._links, after, limit)]

    def arrow(self, after: int, limit: int) -> pa.Table:
        import pyarrow.csv as pa_csv  # Arrow only for the projections (slow to import)

        from ledger.storage.arrow import RAW_EVENTS

        statement = sql.SQL(
            "COPY (SELECT notification_id, originator_id::text, topic, "
            "convert_from(state, 'UTF8') FROM {} "
            "WHERE notification_id > {} ORDER BY notification_id LIMIT {}) "
            "TO STDOUT (FORMAT csv)"
        ).format(self.events, sql.Literal(after), sql.Literal(limit))
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
        """Nothing to release: the pool belongs to the store."""
