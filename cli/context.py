"""What every command shares: the store URL and the operator's name."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass

import click

DEFAULT_STORE = "ledger.db"


@dataclass(frozen=True)
class Settings:
    store: str
    operator: str


def default_operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


pass_settings = click.make_pass_decorator(Settings)


def resolve_settings(store: str | None, operator: str | None) -> Settings:
    return Settings(
        store=store or os.environ.get("LEDGER_STORE") or DEFAULT_STORE,
        operator=operator or os.environ.get("LEDGER_OPERATOR") or default_operator(),
    )
