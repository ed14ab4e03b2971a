"""`ledger coverage`: beneficiaries against the population they serve (SPEC §14)."""

from __future__ import annotations

import datetime as dt

import click

from cli.analysts import analysis_errors, point_in_time_options, projections_for, show_table
from cli.context import Settings, pass_settings
from cli.main import cli
from cli.output import format_option
from projections import coverage as coverage_query
from projections.geography import on_map


@cli.command()
@point_in_time_options
@click.option("--programme", metavar="P", help="Only this programme.")
@click.option(
    "--by", default="programme", show_default=True, metavar="COLUMNS",
    help="Group by these, comma-separated: programme,province,district,sex,age_band.",
)
@click.option(
    "--age-band", "age_bands", metavar="BANDS",
    help="Only these age bands, comma-separated (the ones the programme targets, e.g. 6-11 "
    "for school meals). Default: every band.",
)
@format_option
@pass_settings
@analysis_errors
def coverage(settings: Settings, as_of: dt.date, known_at: dt.datetime | None, geography: str,
             programme: str | None, by: str, age_bands: str | None, fmt: str) -> None:
    """Coverage as of a date: beneficiaries / population, one row per group.

    Beneficiaries and population are summed over each group before dividing. The population
    is the store's figures (ledger population import) for the latest year on or before D;
    a group without any figure shows "no population figure".

    \b
    Examples:
      ledger coverage --as-of 2025-12-31 --programme school-meals --age-band 6-11
      ledger coverage --as-of 2025-12-31 --by programme,province --format csv
    """
    columns = [c.strip() for c in by.split(",") if c.strip()]
    bands = [b.strip() for b in age_bands.split(",") if b.strip()] if age_bands else None
    with projections_for(settings) as projections:
        when = projections.point_in_time(as_of, known_at)
        with on_map(projections.connection, when, geography):
            rows = coverage_query.coverage(projections, when, by=columns, programme=programme,
                                           age_bands=bands)
    show_table(rows, coverage_query.columns(columns, names=fmt == "table"), fmt, when.as_of, when.known_at)
