"""`ledger demo`: a newcomer's first command — the calibrated sample history and its figures."""

from __future__ import annotations

import sys
import time

import click

from cli.common import ledger_for, reports_errors
from cli.context import DEFAULT_STORE, Settings, pass_settings
from cli.main import cli
from cli.output import render
from ledger.application import Ledger
from projections.service import Projections
from projections.tables import PROGRAMME_SUMMARY
from replay_data.demo import first_event_id, headlines, load_population, record_history

SUMMARY_COLUMNS = (*(c for c in PROGRAMME_SUMMARY.columns if c != "known_at"), "coverage")


@cli.command()
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Multiply the populations (1 = the calibrated history, ~1.5M events).")
@click.option("--seed", type=int, default=2021, show_default=True)
@pass_settings
@reports_errors
def demo(settings: Settings, scale: float, seed: int) -> None:
    """Build the calibrated Lao 2021–2025 sample history into the store and print its figures.

    Running it again records nothing new (every event has a fixed id). It records only into an
    empty store (or its own), and into a store other than ledger.db here only when --store
    names it on the command line.

    \b
    Example:
      ledger demo
      ledger --store demo.db demo --scale 0.1
    """
    _refuse_a_store_not_for_the_demo(settings)
    ledger = ledger_for(settings, create=True)
    _refuse_a_ledger_that_is_not_the_demo(ledger, settings.store, scale, seed)
    started = time.perf_counter()
    click.echo(f"recording the sample history (scale {scale:g}) into {settings.store} …", err=True)
    recording = _Counter("recorded")
    receipt = record_history(ledger, scale=scale, seed=seed, progress=recording.advance)
    recording.close()
    load_population(ledger)
    seconds = time.perf_counter() - started
    click.echo(
        f"recorded {receipt.count:,} events, already recorded {receipt.already_recorded:,} "
        f"({seconds:.0f} s)",
        err=True,
    )
    projecting = _Counter("projected")
    with Projections.open(settings.store, progress=projecting.show) as projections:
        figures = headlines(projections)
    projecting.close()
    click.echo(f"\nAs of {figures.as_of.isoformat()}, as known now:\n")
    click.echo(render(figures.programmes, SUMMARY_COLUMNS, "table"))
    click.echo(
        f"\nFirst MCW payment round, {figures.first_payment_date.isoformat()}: "
        f"{figures.first_payment_beneficiaries:,} beneficiaries paid in district "
        f"{figures.first_payment_district} (Sanamxay)."
    )


def _refuse_a_store_not_for_the_demo(settings: Settings) -> None:
    """Synthetic events go into the embedded default, or a store named on this command line."""
    named = click.get_current_context().find_root().params.get("store")
    if settings.store != DEFAULT_STORE and named is None:
        raise click.ClickException(
            f"the demo records synthetic events; it writes only into {DEFAULT_STORE} here or into "
            f"a store named with --store, not into {settings.store} from LEDGER_STORE — "
            "nothing was recorded"
        )


def _refuse_a_ledger_that_is_not_the_demo(ledger: Ledger, store: str, scale: float,
                                           seed: int) -> None:
    """The demo records only into an empty store (or, again, into its own)."""
    first = next(ledger.stored_events(), None)
    if first is not None and first[1].event_id != first_event_id(scale, seed):
        raise click.ClickException(
            f"{store} already holds a ledger; the demo records only into an empty store — "
            "nothing was recorded (try: ledger --store demo.db demo)"
        )


class _Counter:
    """A running count on a terminal; silent when piped."""

    def __init__(self, label: str):
        self.label = label
        self.done = 0
        self.visible = sys.stderr.isatty()

    def advance(self, count: int) -> None:
        self.show(self.done + count, None)

    def show(self, done: int, total: int | None) -> None:
        self.done = done
        if self.visible:
            of = f" of {total:,}" if total else ""
            click.echo(f"\r{self.label} {done:,}{of} …", nl=False, err=True)

    def close(self) -> None:
        if self.visible and self.done:
            click.echo(err=True)
