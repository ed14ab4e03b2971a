"""Fixtures every layer's tests share: a fresh store on SQLite and on PostgreSQL.

PostgreSQL is the server on 127.0.0.1:5432 (override with LEDGER_TEST_POSTGRES). Each test gets
its own schema, dropped afterwards. When the server cannot be reached the PostgreSQL tests are
skipped, visibly — except in CI (CI=true), where that is an error: they must run there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ledger.application import Ledger
from ledger.bootstrap import open_ledger

POSTGRES = os.environ.get("LEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    try:
        with psycopg.connect(POSTGRES, connect_timeout=3):
            return None
    except psycopg.OperationalError as failure:
        return str(failure).strip().splitlines()[0]


_POSTGRES_PROBLEM = _postgres_reachable()


def pytest_sessionstart(session: pytest.Session) -> None:
    if _POSTGRES_PROBLEM and os.environ.get("CI") == "true":
        raise pytest.UsageError(
            f"PostgreSQL must be reachable in CI at {POSTGRES}: {_POSTGRES_PROBLEM}"
        )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL store URL in a schema of its own."""
    if _POSTGRES_PROBLEM:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES}: {_POSTGRES_PROBLEM}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES else "?"
    yield f"{POSTGRES}{separator}schema={schema}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return str(tmp_path / "ledger.db")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """Every test that takes this runs once per store: the contract is the same for both."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def ledger(store_url: str) -> Iterator[Ledger]:
    """A new, empty ledger on each store."""
    app = open_ledger(store_url, create=True)
    yield app
    app.close()
