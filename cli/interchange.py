"""Moving whole event logs in and out: `import` (operators, in bulk) and `export` (auditors)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from click._termui_impl import ProgressBar

from cli.common import TIMESTAMP, ledger_for, refuse_output, reports_errors, store_for
from cli.context import Settings, pass_settings
from cli.main import cli
from ledger.audit.export_head import export_with_head, head_path
from ledger.recording.receipt import Receipt


@cli.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--historical", is_flag=True,
              help="Restore: accept recorded_at and recorded_by from the file (migrating legacy "
              "records, restoring an export) instead of stamping events with the ledger's clock "
              "and the login; each event also keeps when and by whom it was really appended. "
              "An admin act (PostgreSQL: the owner or an admin login); no recorded_at before "
              "the latest checkpoint.")
@pass_settings
@reports_errors
def import_(settings: Settings, files: tuple[Path, ...], historical: bool) -> None:
    """Record event-log files (.jsonl or .jsonl.gz), each checked as a whole and kept atomically.

    A file is recorded entirely or not at all: every refused line is reported as
    `file:line: field: reason`. Files are taken in order; the first refused file stops the run.
    Importing a file again records nothing and says so.

    \b
    Example:
      ledger import payments-2025-06.jsonl.gz
      ledger import --historical legacy-2021.jsonl legacy-2022.jsonl
    """
    ledger = ledger_for(settings)
    for path in files:
        with _progress(path) as advance:
            receipt = ledger.import_file(path, operator=settings.operator, historical=historical,
                                         progress=advance)
        click.echo(_summary(path, receipt))


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--known-at", type=TIMESTAMP, help="Only events recorded by then (RFC 3339).")
@pass_settings
@reports_errors
def export(settings: Settings, file: Path, known_at: dt.datetime | None) -> None:
    """Write the ledger as event log v1 (retractions included) for archiving or an auditor.

    `ledger import --historical FILE` into an empty store reproduces it exactly. Beside it,
    FILE.chain.json holds the chain head: the position and chain digest of the last exported
    event, the line count and the SHA-256 of the lines. Keep a copy apart from the ledger;
    `ledger verify --export FILE` checks the file and the ledger against it.

    \b
    Example:
      ledger export ledger-2025.jsonl.gz --known-at 2025-12-31T23:59:59+07:00
    """
    refuse_output(settings, file, head_path(file))
    head = export_with_head(store_for(settings), file, known_at=known_at)
    click.echo(f"exported {head.events} events to {file}")
    click.echo(f"chain head: position {head.position}, sha256 {head.chain_digest} "
               f"(in {head_path(file)})")


def _summary(path: Path, receipt: Receipt) -> str:
    if receipt.count == 0:
        return f"{path}: already recorded: {receipt.already_recorded}"
    text = (f"{path}: recorded {receipt.count} events "
            f"(positions {receipt.first_position}–{receipt.last_position})")
    if receipt.already_recorded:
        text += f"; already recorded: {receipt.already_recorded}"
    return text


@contextmanager
def _progress(path: Path) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on a terminal; nothing at all when output is piped."""
    if not sys.stderr.isatty():
        yield None
        return
    bar: ProgressBar[int]
    with click.progressbar(length=_count_lines(path), label=f"checking {path.name}",
                           file=sys.stderr, show_pos=True) as bar:
        yield bar.update


def _count_lines(path: Path) -> int | None:
    if path.name.endswith(".gz") or not path.is_file():
        return None
    with path.open("rb") as stream:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
