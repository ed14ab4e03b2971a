"""Fixtures the reliability tests share (their helpers live in `reliability_support`)."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

# The projections' independent reference model lives with their tests.
sys.path.append(str(Path(__file__).resolve().parents[1] / "projections"))

from reliability_support import POSTGRES


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    """A PostgreSQL store URL in a schema of its own, shared by one module's tests."""
    try:
        with psycopg.connect(POSTGRES, connect_timeout=3, autocommit=True) as connection:
            schema = f"r_{uuid.uuid4().hex[:12]}"
            connection.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as failure:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES}: {failure}")
    separator = "&" if "?" in POSTGRES else "?"
    yield f"{POSTGRES}{separator}schema={schema}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
