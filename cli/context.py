"""What every command shares: the store URL and the operator's name."""

from __future__ import annotations

import os
from dataclasses import dataclass

import click

DEFAULT_STORE = "ledger.db"


@dataclass(frozen=True)
class Settings:
    store: str
    operator: str | None
    """The name the operator declares (`--operator`, LEDGER_OPERATOR); None: the identity the
    store proves (`recorded_by`: the PostgreSQL login, or the OS user on SQLite, SPEC §12)."""


pass_settings = click.make_pass_decorator(Settings)


def resolve_settings(store: str | None, operator: str | None) -> Settings:
    return Settings(
        store=store or os.environ.get("LEDGER_STORE") or DEFAULT_STORE,
        operator=operator or os.environ.get("LEDGER_OPERATOR") or None,
    )
