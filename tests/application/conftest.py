"""The application tests run the ledger against real stores: `ledger` (tests/conftest.py) and `twin`."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse, urlunparse

import psycopg
import pytest

from ledger.application import Ledger
from ledger.bootstrap import is_postgres, open_ledger, sqlite_path


@pytest.fixture
def twin(store_url: str) -> Iterator[Ledger]:
    """A second new, empty ledger on the same kind of store as `ledger`."""
    if not is_postgres(store_url):
        url = str(sqlite_path(store_url).with_name("twin.db"))
        app = open_ledger(url, create=True)
        yield app
        app.close()
        return
    parts = urlparse(store_url)
    base = urlunparse(parts._replace(query=""))
    schema = parse_qs(parts.query)["schema"][0] + "_twin"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    app = open_ledger(urlunparse(parts._replace(query=f"schema={schema}")), create=True)
    yield app
    app.close()
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
