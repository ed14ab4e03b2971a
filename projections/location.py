"""Where a store's projections file lives: beside a SQLite store, in the working directory for
PostgreSQL, or wherever LEDGER_PROJECTIONS says."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from ledger.bootstrap import is_postgres, sqlite_path

ENV = "LEDGER_PROJECTIONS"
SUFFIX = ".projections.duckdb"


def projections_file(store_url: str) -> Path:
    """`ledger.db` → `ledger.projections.duckdb`; `postgresql://…/test` → `./test.projections.duckdb`
    (`test-<schema>.projections.duckdb` for a schema other than public)."""
    override = os.environ.get(ENV)
    if override:
        return Path(override)
    if is_postgres(store_url):
        parts = urlparse(store_url)
        database = unquote(parts.path.lstrip("/")) or "postgres"
        schema = parse_qs(parts.query).get("schema", ["public"])[0]
        stem = database if schema == "public" else f"{database}-{schema}"
        return Path.cwd() / f"{_safe(stem)}{SUFFIX}"
    store = sqlite_path(store_url)
    return store.with_name(store.stem + SUFFIX)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
