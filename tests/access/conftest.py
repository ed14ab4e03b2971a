"""A PostgreSQL store with real LOGIN roles holding each ledger role (dropped afterwards)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import psycopg
import pytest
from access_support import SETUP, Roles

from ledger.access import manage
from ledger.bootstrap import open_ledger
from ledger.storage import pg_access


@pytest.fixture
def roles(postgres_url: str) -> Iterator[Roles]:
    schema = parse_qs(urlparse(postgres_url).query)["schema"][0]
    tag = uuid.uuid4().hex[:8]
    logins = {role: f"t_{tag}_{role}" for role in (*pg_access.ROLES, "nobody")}
    base = postgres_url.split("?")[0]
    with psycopg.connect(base, autocommit=True) as connection:
        for login in logins.values():
            connection.execute(f'CREATE ROLE "{login}" LOGIN')
    ledger = open_ledger(postgres_url, create=True)
    try:
        ledger.record_dicts(SETUP, operator="setup")
        manage.grant(ledger.store, logins["operator"], "operator", provinces=["17"])
        for role in ("auditor", "analyst", "admin"):
            manage.grant(ledger.store, logins[role], role)
    finally:
        ledger.close()
    yield Roles(postgres_url, schema, logins)
    database = urlparse(base).path.lstrip("/")
    groups = [pg_access.group_role(database, schema, r) for r in pg_access.ROLES]
    names = ", ".join(f'"{n}"' for n in [*logins.values(), *groups])
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f"DROP OWNED BY {names}")
        connection.execute(f"DROP ROLE {names}")
