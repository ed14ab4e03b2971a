"""What every recording command shares: its options, and printing what was recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import click

from cli.common import COMMAND, DATE, ledger_for
from cli.context import Settings
from cli.output import format_option, render
from ledger.recording.receipt import Receipt

F = TypeVar("F", bound=Callable[..., Any])

RECEIPT_COLUMNS = ("id", "event", "position", "effective_date", "recorded_at")


def fact_options(func: F) -> F:
    """`--effective`, `--id`, `--note` and `--format` for a command that records one fact."""
    for decorator in reversed(
        (
            click.option("--effective", type=DATE, default=None,
                         help="When the fact took effect (default: today)."),
            click.option("--id", "event_id", metavar="ID",
                         help="Idempotency key (default: derived from the content)."),
            click.option("--note", help="Free text, at most 500 characters."),
            format_option,
        )
    ):
        func = decorator(func)
    return func


def record_one(
    settings: Settings,
    event: str,
    fields: dict[str, Any],
    *,
    effective: dt.date | None,
    event_id: str | None,
    note: str | None,
    fmt: str,
) -> None:
    """Record one fact through the ledger and print its receipt."""
    obj: dict[str, Any] = {
        "event": event,
        "effective_date": (effective or dt.date.today()).isoformat(),
        **{k: v for k, v in fields.items() if v is not None},
    }
    if event_id is not None:
        obj["id"] = event_id
    if note is not None:
        obj["note"] = note
    receipt = ledger_for(settings).record_dicts([obj], operator=settings.operator, source=COMMAND)
    echo_receipt(receipt, fmt)


def echo_receipt(receipt: Receipt, fmt: str) -> None:
    rows = [
        {
            "id": e.event_id,
            "event": e.event,
            "position": e.position,
            "effective_date": e.effective_date,
            "recorded_at": e.recorded_at,
        }
        for e in receipt.events
    ]
    if fmt == "table" and not rows and receipt.already_recorded:
        click.echo(f"already recorded: {receipt.already_recorded}")
        return
    click.echo(render(rows, RECEIPT_COLUMNS, fmt))
