"""The embedded store: the library's SQLite recorder plus the ledger's tables, in one file."""

from __future__ import annotations

import getpass
import os
import sqlite3
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import cache
from pathlib import Path
from urllib.parse import unquote
from uuid import UUID

import orjson
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

from ledger.storage.errors import StoreProblem, StoreReadOnly, disk_full, is_disk_full
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
from ledger.storage.sqlite_reader import SQLiteReader

BUSY_TIMEOUT_S = 300.0
NOTICE_AFTER_S = 1.0  # a writer that has waited this long for the lock says so
READ_ONLY_QUERY = "mode=ro&immutable=1"
CACHE_KIB = 128 * 1024
# A national import inserts into B-trees of hundreds of MB at random places (the events' primary
# key, the keys): with a small cache their pages are written out and read back over and over.
WRITE_CACHE_KIB = 512 * 1024


class SQLiteSession(Session):
    def __init__(self, connection: sqlite3.Connection, table: str):
        self.db = connection
        self.table = table
        self.recorded_by = os_user()
        name = _quoted(table)
        # One statement per table and append: SQLite reads the rows out of one JSON index (and
        # the states out of one blob) in C, with the GIL released for the whole statement, so a
        # background writer really runs beside the checking of the next lines.
        self._insert_events = (
            f"INSERT INTO {name} (rowid, originator_id, originator_version, topic, state) "
            "SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, "
            "substr(?2, value ->> 4, value ->> 5) FROM json_each(?1)"
        )
        self._insert_links = (
            "INSERT INTO ledger_chain (position, digest) "
            "SELECT value ->> 0, substr(?2, key * 32 + 1, 32) FROM json_each(?1)"
        )

    def _find_keys(self, keys: Collection[str]) -> dict[str, Key]:
        if not keys:
            return {}
        rows = self.db.execute(
            "SELECT key, originator_id, digest FROM ledger_keys "
            "WHERE key IN (SELECT value FROM json_each(?))",
            (orjson.dumps(list(keys)).decode(),),
        )
        return {key: Key(key, UUID(originator_id), digest) for key, originator_id, digest in rows}

    def _load(self, originator_ids: Collection[UUID]) -> dict[UUID, list[StoredEvent]]:
        loaded: dict[UUID, list[StoredEvent]] = {}
        if not originator_ids:
            return loaded
        by_hex = {i.hex: i for i in originator_ids}
        cursor = self.db.execute(
            "SELECT originator_id, originator_version, topic, state "
            f"FROM {_quoted(self.table)} WHERE originator_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY originator_id, originator_version",
            (orjson.dumps(list(by_hex)).decode(),),
        )
        for originator_id, version, topic, state in cursor:
            uuid = by_hex[originator_id]
            loaded.setdefault(uuid, []).append(StoredEvent(uuid, version, topic, state))
        return loaded

    def _placements(self, programme: str, districts: Collection[str] | None) -> set[UUID]:
        if districts is None:
            rows = self.db.execute(
                "SELECT originator_id FROM ledger_placements WHERE programme = ?", (programme,)
            )
            return {UUID(r[0]) for r in rows}
        found: set[UUID] = set()
        for district in districts:
            rows = self.db.execute(
                "SELECT originator_id FROM ledger_placements WHERE programme = ? AND district = ?",
                (programme, district),
            )
            found.update(UUID(r[0]) for r in rows)
        return found

    def _originators(self, topic: str) -> set[UUID]:
        rows = self.db.execute(
            f"SELECT DISTINCT originator_id FROM {_quoted(self.table)} WHERE topic = ?", (topic,)
        )
        return {UUID(r[0]) for r in rows}

    def _last_state(self) -> bytes | None:
        row = self.db.execute(
            f"SELECT state FROM {self.table} ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
        return bytes(row[0]) if row else None

    def _position(self, originator_id: UUID, version: int) -> int | None:
        row = self.db.execute(
            f"SELECT rowid FROM {_quoted(self.table)} "
            "WHERE originator_id = ? AND originator_version = ?",
            (originator_id.hex, version),
        ).fetchone()
        return int(row[0]) if row else None

    def _latest_checkpoint(self) -> tuple[int, str] | None:
        if self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                           "AND name = 'ledger_checkpoints'").fetchone() is None:
            return None
        row = self.db.execute("SELECT number, made_at FROM ledger_checkpoints "
                              "ORDER BY number DESC LIMIT 1").fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def _head(self) -> tuple[int, bytes]:
        top = self.db.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {self.table}").fetchone()[0]
        last = self.db.execute(
            "SELECT position, digest FROM ledger_chain ORDER BY position DESC LIMIT 1"
        ).fetchone()
        if last is None:
            return top, GENESIS
        return max(top, last[0]), bytes(last[1])

    def _insert(self, rows: Sequence[Row], links: bytes, keys: Sequence[NewKey],
                placements: Sequence[NewPlacement]) -> None:
        index: list[tuple[int, str, int, str, int, int]] = []
        offset = 1  # substr counts from 1
        for position, originator_id, version, topic, state in rows:
            index.append((position, originator_id, version, topic, offset, len(state)))
            offset += len(state)
        states = b"".join(row[4] for row in rows)
        try:
            if rows:
                self.db.execute(self._insert_events, (orjson.dumps(index).decode(), states))
                positions = orjson.dumps([row[0] for row in rows]).decode()
                self.db.execute(self._insert_links, (positions, links))
            if keys:
                self.db.execute(
                    "INSERT INTO ledger_keys (key, originator_id, digest) "
                    "SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)",
                    (orjson.dumps(keys).decode(),),
                )
            if placements:
                self.db.execute(
                    "INSERT OR IGNORE INTO ledger_placements (programme, district, originator_id) "
                    "SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)",
                    (orjson.dumps(placements).decode(),),
                )
        except sqlite3.IntegrityError as conflict:
            raise IntegrityError(conflict) from conflict


class LedgerSQLiteRecorder(LedgerStore, SQLiteApplicationRecorder):
    """The library's application recorder, with the ledger's tables and sessions beside it."""

    kind = "sqlite"

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        self.address = datastore.pool.db_name  # a path, or a read-only copy's `file:` URI
        self.read_only = self.address.startswith("file:")
        self.path = unquote(self.address.removeprefix("file:").split("?")[0])
        self.url = self.path

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS ledger_keys ("
            "key TEXT PRIMARY KEY, originator_id TEXT NOT NULL, digest TEXT NOT NULL) WITHOUT ROWID",
            "CREATE TABLE IF NOT EXISTS ledger_placements ("
            "programme TEXT, district TEXT, originator_id TEXT, "
            "PRIMARY KEY (programme, district, originator_id)) WITHOUT ROWID",
            "CREATE TABLE IF NOT EXISTS ledger_chain ("
            "position INTEGER PRIMARY KEY, digest BLOB NOT NULL)",
        ]

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.address, isolation_level=None, timeout=BUSY_TIMEOUT_S,
                                     check_same_thread=False, uri=self.read_only)
        # WAL mode is set once, when the library creates the file, and persists in it.
        # Bulk imports touch keys and timelines all over the file; a large page cache keeps
        # those B-tree pages in memory instead of re-reading them from disk.
        connection.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        connection.execute("PRAGMA temp_store=MEMORY")
        return connection

    @contextmanager
    def _transaction(self, begin: str, *, cache_kib: int = CACHE_KIB) -> Iterator[SQLiteSession]:
        connection = self._connect()
        if cache_kib != CACHE_KIB:
            connection.execute(f"PRAGMA cache_size=-{int(cache_kib)}")  # pages are taken as used
        try:
            self._begin(connection, begin)
            session = SQLiteSession(connection, self.events_table_name)
            try:
                yield session
                finish_writes(session, failed=False)
                connection.commit()
            except BaseException as failure:
                finish_writes(session, failed=True)
                connection.rollback()
                if isinstance(failure, sqlite3.DatabaseError) and is_disk_full(failure):
                    raise disk_full(self.path) from None
                raise
        finally:
            connection.close()

    def _begin(self, connection: sqlite3.Connection, begin: str) -> None:
        """Begin; a writer that has to wait for another's lock says so (`on_wait`) and waits on."""
        if self.on_wait is None or begin == "BEGIN":
            try:
                connection.execute(begin)
            except sqlite3.OperationalError as busy:
                raise OperationalError(busy) from busy
            return
        connection.execute(f"PRAGMA busy_timeout={int(NOTICE_AFTER_S * 1000)}")
        started = time.monotonic()
        try:
            connection.execute(begin)
            return
        except sqlite3.OperationalError as busy:
            if "locked" not in str(busy) and "busy" not in str(busy):
                raise OperationalError(busy) from busy
        self.on_wait(f"waiting for another command writing to {self.path} to finish "
                     f"(up to {BUSY_TIMEOUT_S:.0f} s)…")
        left = max(BUSY_TIMEOUT_S - (time.monotonic() - started), 0.0)
        connection.execute(f"PRAGMA busy_timeout={int(left * 1000)}")
        try:
            connection.execute(begin)
        except sqlite3.OperationalError as busy:
            raise OperationalError(busy) from busy

    def reader_uri(self) -> str:
        """The URI its reader opens: read-only, and for a read-only copy also immutable."""
        if self.read_only:
            return self.address
        return f"{Path(self.path).resolve().as_uri()}?mode=ro"

    def reading(self) -> AbstractContextManager[SQLiteSession]:
        return self._transaction("BEGIN")

    def writing(self) -> AbstractContextManager[SQLiteSession]:
        if self.read_only:
            raise StoreReadOnly(
                f"{self.path} is a read-only copy (read-only media or no write permission): "
                "it can be verified, exported and read, but nothing can be recorded in it"
            )
        if Path(self.path).stat().st_nlink > 1:
            # SQLite keeps its write-ahead log and lock beside each *name* of the file: writers
            # through two names do not see each other's locks, and corrupt the file.
            raise StoreProblem(
                f"{self.path} has another name (a hard link): writing through two names "
                "corrupts a SQLite store, so nothing is recorded through either — remove the "
                "other link (or copy the file) and use one name"
            )
        return self._transaction("BEGIN IMMEDIATE", cache_kib=WRITE_CACHE_KIB)

    def reader(self) -> SQLiteReader:
        return SQLiteReader(self.reader_uri(), self.events_table_name)

    def close(self) -> None:
        self.datastore.close()


@cache
def os_user() -> str:
    """Who a SQLite store records as (SPEC §12): the OS user this process runs as — the
    effective user's account name, as the file's permissions see it (else the login name)."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        return getpass.getuser()


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'

