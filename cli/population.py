"""`ledger population import`: the population figures coverage divides by (SPEC §14)."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import ledger_for, reports_errors
from cli.context import Settings, pass_settings
from cli.main import cli
from ledger.population import PopulationRefused, import_population


@cli.group()
def population() -> None:
    """Population reference figures, kept in the store for every analyst's coverage."""


@population.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_settings
@reports_errors
def import_(settings: Settings, file: Path) -> None:
    """Load a CSV of district, sex, age_band, year, population, source.

    One row per cell; a re-import of the same source and year replaces it. A bad row is
    reported as file:line: field: reason, and then nothing is loaded.

    \b
    Example:
      ledger population import replay_data/population.csv
    """
    ledger = ledger_for(settings)
    try:
        loaded = import_population(ledger.store, file)
    except PopulationRefused as refused:
        click.echo(refused.report(), err=True)
        raise click.ClickException(str(refused)) from None
    finally:
        ledger.close()
    editions = ", ".join(f"{source} {year}" for source, year in loaded.editions)
    click.echo(f"loaded {loaded.rows:,} population figures ({editions or 'none'})")
