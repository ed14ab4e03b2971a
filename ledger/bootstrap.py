"""The one place that turns a `--store` URL into a configured ledger — or, for what only reads
(the projections, the audit), into its store alone, without the write application."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast
from urllib.parse import parse_qs, quote, unquote, urlparse

from eventsourcing.persistence import InfrastructureFactory, PersistenceError
from eventsourcing.utils import Environment

from ledger.application import Ledger
from ledger.errors import StoreNotFound
from ledger.storage.errors import AccessRefused, StoreProblem, disk_full, is_disk_full
from ledger.storage.session import LedgerStore

Opened = TypeVar("Opened", Ledger, LedgerStore)

SQLITE_LOCK_TIMEOUT_S = 300
POSTGRES_IDLE_TIMEOUT_S = 300
_POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_postgres(url: str) -> bool:
    return urlparse(url).scheme in _POSTGRES_SCHEMES


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///").removeprefix("sqlite://"))


def store_env(url: str, *, create: bool = False) -> dict[str, str]:
    """The eventsourcing environment for a store URL (a SQLite path or a postgresql:// URL).

    Tables are created only by `init` (and `demo`): creating them on every open would race
    between operators' processes.
    """
    common = {"CREATE_TABLE": "true" if create else "false"}
    if is_postgres(url):
        parts = urlparse(url)
        query = parse_qs(parts.query)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": "ledger.storage.postgres:LedgerPostgresRecorder",
            "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_SCHEMA": query.get("schema", ["public"])[0],
            "POSTGRES_CONNECT_TIMEOUT": "10",
            "POSTGRES_POOL_SIZE": "2",
            # A batch checks its lines between statements (seconds per window of lines): it is
            # working, not idle. A client that truly hangs still releases the write lock.
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(POSTGRES_IDLE_TIMEOUT_S),
            **common,
        }
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "APPLICATION_RECORDER_TOPIC": "ledger.storage.sqlite:LedgerSQLiteRecorder",
        "SQLITE_DBNAME": _sqlite_address(sqlite_path(url), create=create),
        "SQLITE_LOCK_TIMEOUT": str(SQLITE_LOCK_TIMEOUT_S),
        **common,
    }


def open_ledger(url: str, *, create: bool = False) -> Ledger:
    """Open the ledger at `url`; with `create`, make its tables if they are not there yet."""
    if create and not is_postgres(url):
        _create_private(sqlite_path(url))
    return _opened(url, lambda: Ledger(env=store_env(url, create=create)),
                   lambda ledger: ledger.store, create=create)


def open_store(url: str) -> LedgerStore:
    """Open the store of the ledger at `url` to read it: its recorder, configured as the
    ledger's own (close it when done)."""

    def construct() -> LedgerStore:
        # The environment the application would build: the process's, then the store's.
        env = Environment(Ledger.name, {**os.environ, **store_env(url)})
        return cast(LedgerStore, InfrastructureFactory.construct(env).application_recorder())

    return _opened(url, construct, lambda store: store, create=False)


def _opened(url: str, construct: Callable[[], Opened], store_of: Callable[[Opened], LedgerStore],
            *, create: bool) -> Opened:
    if not create and not _exists(url):
        raise StoreNotFound(f"no ledger at {_shown(url)}; create one with `ledger init`")
    try:
        opened = construct()
        store = store_of(opened)
        store.url = url
        store.max_position()  # fail here, clearly, if the store is not a ledger
    except (sqlite3.DatabaseError, PersistenceError) as failure:
        if is_disk_full(failure) or _disk_nearly_full(url):
            raise disk_full(f"{_shown(url)} (opening it)") from None
        raise StoreNotFound(f"{_shown(url)} is not a ledger that can be opened: {failure}") from None
    return opened


def _sqlite_address(path: Path, *, create: bool) -> str:
    """The path itself, or for a copy that cannot be written (read-only media, no permission) a
    read-only URI that SQLite opens without creating its -wal and -shm files beside it."""
    if create or _writable(path):
        return str(path)
    wal = path.with_name(path.name + "-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        # `immutable` would silently skip what the log holds and not yet the file.
        raise StoreProblem(
            f"{path} cannot be written here and its write-ahead log {wal} holds changes not yet "
            "in it; copy the store while no command is using it, or open it where it can be written"
        )
    return f"file:{quote(str(path.absolute()))}?mode=ro&immutable=1"


def _writable(path: Path) -> bool:
    """Whether SQLite may write the file and create its companions beside it."""
    return not path.exists() or (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _disk_nearly_full(url: str) -> bool:
    if is_postgres(url):
        return False
    folder = sqlite_path(url).absolute().parent
    return folder.is_dir() and shutil.disk_usage(folder).free < 64 * 1024


def _create_private(path: Path) -> None:
    """A new SQLite file is its user's alone (SPEC §12); SQLite gives its -wal/-shm the same mode."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _exists(url: str) -> bool:
    if not is_postgres(url):
        return sqlite_path(url).is_file()
    import psycopg  # only PostgreSQL stores need it, and it is slow to import

    env = store_env(url)
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None, connect_timeout=10,
    )
    try:
        with psycopg.connect(conninfo) as connection:
            row = connection.execute(
                "SELECT to_regclass(%s)", (f"{env['POSTGRES_SCHEMA']}.ledger_events",)
            ).fetchone()
    except psycopg.OperationalError as failure:
        raise StoreNotFound(f"cannot reach {_shown(url)}: {failure}".strip()) from None
    except psycopg.errors.InsufficientPrivilege as refused:
        raise AccessRefused(
            f"the login {env['POSTGRES_USER']} may not use the ledger at {_shown(url)} "
            f"({refused.diag.message_primary}): the store's owner grants a ledger role with "
            "`ledger access grant LOGIN --as operator|auditor|analyst|admin`") from None
    return row is not None and row[0] is not None


def _shown(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlparse(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
