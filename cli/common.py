"""Helpers every command group shares: opening the store, turning errors into `Error: …`."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from eventsourcing.persistence import PersistenceError

from cli.context import Settings
from ledger.application import Ledger
from ledger.bootstrap import open_ledger, open_store
from ledger.errors import BatchRefused, LedgerError
from ledger.outputs import refuse_protected, store_files
from ledger.storage.errors import StoreProblem, is_disk_full
from ledger.storage.session import LedgerStore

F = TypeVar("F", bound=Callable[..., Any])

COMMAND = "<command>"
"""The source name of a fact typed on the command line (rather than read from a file)."""


def ledger_for(settings: Settings, *, create: bool = False) -> Ledger:
    ledger = open_ledger(settings.store, create=create)
    ledger.store.on_wait = waiting_notice()
    return ledger


def store_for(settings: Settings) -> LedgerStore:
    """The store alone, for commands that only read it."""
    return open_store(settings.store)


def waiting_notice() -> Callable[[str], None] | None:
    """On a terminal, a command that has to wait for another's lock says so (on stderr)."""
    return _say_waiting if sys.stderr.isatty() else None


def _say_waiting(message: str) -> None:
    click.echo(message, err=True)


def refuse_output(settings: Settings, *outputs: Path) -> None:
    """Refuse an output path that is the store, inside it, or one of its companion files."""
    # Imported here: the projections package loads DuckDB, which recording a fact never needs.
    from projections.location import projections_file

    projections = projections_file(settings.store)
    protected = [*store_files(settings.store), projections,
                 projections.with_name(projections.name + ".wal")]
    for output in outputs:
        refuse_protected(output, protected)


def reports_errors(func: F) -> F:
    """Turn the ledger's errors into click's `Error: …` on stderr with exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BatchRefused as refused:
            if all(r.origin.source == COMMAND for r in refused.refusals):
                reasons = "; ".join(f"{r.field}: {r.reason}" for r in refused.refusals)
                raise click.ClickException(f"{reasons} — nothing was recorded") from None
            click.echo(refused.report(), err=True)
            raise click.ClickException(str(refused)) from None
        except (LedgerError, StoreProblem) as error:
            raise click.ClickException(str(error)) from None
        except PersistenceError as error:
            if is_disk_full(error):
                raise click.ClickException(f"disk full ({error}); nothing was recorded and the "
                                           "store is intact — free some space and try again") from None
            raise click.ClickException(
                f"the store could not complete the request ({error}); nothing was recorded — "
                "try again"
            ) from None
        except Exception as error:
            if is_disk_full(error):
                raise click.ClickException(
                    f"disk full ({error}); the store is intact and no output file was replaced — "
                    "free some space and try again"
                ) from None
            raise

    return wrapper  # type: ignore[return-value]


class DateType(click.ParamType):  # type: ignore[type-arg]
    """A calendar date, YYYY-MM-DD."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        try:
            if len(value) != 10:
                raise ValueError
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a date (YYYY-MM-DD)", param, ctx)


class TimestampType(click.ParamType):  # type: ignore[type-arg]
    """An RFC 3339 time with offset; a bare date means the end of that day, UTC."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.datetime):
            return value
        try:
            if len(value) == 10:
                day = dt.date.fromisoformat(value)
                return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
            moment = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not an RFC 3339 time (e.g. 2025-06-30T23:59:59+07:00)",
                      param, ctx)
        if moment.tzinfo is None:
            self.fail(f"{value!r} needs an offset (e.g. +07:00 or Z)", param, ctx)
        return moment


DATE = DateType()
TIMESTAMP = TimestampType()
