"""The SQLite store's reader: the events table and its chain, through a read-only connection.

Read through the standard library's sqlite3, which is the same SQLite the ledger writes with.
(The ADBC SQLite driver reads into Arrow with less work, but it bundles its own SQLite build: a
reader killed mid-read then left the store unopenable — "disk I/O error" — for the ledger's own
connections. tests/reliability/test_crash.py shows it.) For Arrow each batch comes back as one
text per column (`_COLUMNS`), split by numpy; a batch whose texts cannot be trusted is read
again row by row.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from ledger.storage.reader import Chained, ChainLink, Reader, Row

if TYPE_CHECKING:
    import pyarrow as pa

# One batch as one row of five values: how many events there are, and each column of the batch
# as one text, the values in position order joined by a comma (positions) or a newline
# (originators, topics, states). A handful of values per batch, not four per event: the Python
# objects made per event were most of the cost of reading. The four aggregates take their rows
# in one pass over the same subquery, so their orders agree. A NULL column is skipped by
# group_concat: the counts then differ, and that batch is read row by row instead.
_COLUMNS = """
SELECT
    count(*),
    group_concat(rowid, ','),
    CAST(group_concat(originator_id, char(10)) AS BLOB),
    CAST(group_concat(topic, char(10)) AS BLOB),
    CAST(group_concat(state, char(10)) AS BLOB)
FROM (
    SELECT rowid, originator_id, topic, state FROM {events} WHERE rowid > ? ORDER BY rowid LIMIT ?
)
"""


class SQLiteReader(Reader):
    def __init__(self, uri: str, table: str):
        events = '"' + table.replace('"', '""') + '"'
        self._max = f"SELECT COALESCE(MAX(rowid), 0) FROM {events}"
        self._rows = ("SELECT rowid, originator_id, originator_version, topic, state "
                      f"FROM {events} WHERE rowid > ? ORDER BY rowid LIMIT ?")
        self._chained = (
            "SELECT e.rowid, e.originator_id, e.originator_version, e.topic, e.state, c.digest "
            f"FROM {events} AS e LEFT JOIN ledger_chain AS c ON c.position = e.rowid "
            "WHERE e.rowid > ? ORDER BY e.rowid LIMIT ?"
        )
        self._links = ("SELECT position, digest FROM ledger_chain WHERE position > ? "
                       "ORDER BY position LIMIT ?")
        self._columns = _COLUMNS.format(events=events)
        self._column_rows = (f"SELECT rowid, originator_id, topic, state FROM {events} "
                             "WHERE rowid > ? ORDER BY rowid LIMIT ?")
        self.connection = sqlite3.connect(uri, uri=True, check_same_thread=False)

    def max_position(self) -> int:
        return int(self.connection.execute(self._max).fetchone()[0])

    def rows(self, after: int, limit: int) -> list[Row]:
        return self.connection.execute(self._rows, (after, limit)).fetchall()

    def chained(self, after: int, limit: int) -> list[Chained]:
        return self.connection.execute(self._chained, (after, limit)).fetchall()

    def links(self, after: int, limit: int) -> list[ChainLink]:
        return [ChainLink(position, bytes(digest))
                for position, digest in self.connection.execute(self._links, (after, limit))]

    def arrow(self, after: int, limit: int) -> pa.Table:
        from ledger.storage import arrow  # Arrow only for the projections (slow to import)

        try:
            count, positions, originators, topics, states = self.connection.execute(
                self._columns, (after, limit)
            ).fetchone()
        except sqlite3.DataError:  # a batch longer than SQLite makes one value
            return self.arrow_by_rows(after, limit)
        batch = arrow.parse_columns(
            int(count), positions or "", originators or b"", topics or b"", states or b""
        )
        return batch if batch is not None else self.arrow_by_rows(after, limit)

    def arrow_by_rows(self, after: int, limit: int) -> pa.Table:
        """The same batch, one row at a time: slower, but takes whatever bytes are stored."""
        from ledger.storage import arrow

        rows = self.connection.execute(self._column_rows, (after, limit)).fetchall()
        return arrow.from_rows([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                               [r[3] for r in rows])

    def close(self) -> None:
        self.connection.close()
