"""Analysts' commands: `counts`, `reach`, `replay` and `query` over the point-in-time projections."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from cli.common import DATE, TIMESTAMP, refuse_output, reports_errors, waiting_notice
from cli.context import Settings, pass_settings
from cli.main import cli
from cli.output import format_option, render
from ledger.storage.errors import StoredEventError
from projections import queries
from projections.geography import GEOGRAPHIES, on_map
from projections.service import Projections
from projections.tables import PROGRAMME_SUMMARY

F = TypeVar("F", bound=Callable[..., Any])

REACH_COLUMNS = tuple(c for c in PROGRAMME_SUMMARY.columns if c != "known_at")


def point_in_time_options(func: F) -> F:
    func = click.option(
        "--known-at", type=TIMESTAMP, metavar="T",
        help="As known at T: RFC 3339 with offset, or a date meaning the end of that day (UTC). "
        "Default: everything recorded so far.",
    )(func)
    func = click.option(
        "--geography", type=click.Choice(GEOGRAPHIES), default="recorded", show_default=True,
        help="Districts as recorded, or on today's map: a beneficiary in a district since "
        "retired counts in the successor its retirement moved it to (SPEC §15).",
    )(func)
    return click.option(
        "--as-of", type=DATE, required=True, metavar="D", help="The date asked about (YYYY-MM-DD)."
    )(func)


def analysis_errors(func: F) -> F:
    """The projections' own errors as `Error: …` too."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (queries.QueryError, StoredEventError) as problem:
            raise click.ClickException(str(problem)) from None

    return reports_errors(wrapper)  # type: ignore[return-value]


@cli.command()
@point_in_time_options
@click.option("--programme", metavar="P", help="Only this programme.")
@click.option(
    "--by", default="programme", show_default=True, metavar="COLUMNS",
    help="Group by these, comma-separated: programme,province,district,sex,age_band.",
)
@format_option
@pass_settings
@analysis_errors
def counts(settings: Settings, as_of: dt.date, known_at: dt.datetime | None, geography: str,
           programme: str | None, by: str, fmt: str) -> None:
    """Active beneficiaries as of a date, one row per group.

    \b
    Examples:
      ledger counts --as-of 2025-12-31
      ledger counts --as-of 2024-12-31 --known-at 2025-06-30T23:59:59+07:00 \\
                    --by programme,province,sex --format csv
    """
    columns = [c.strip() for c in by.split(",") if c.strip()]
    with projections_for(settings) as projections:
        when = projections.point_in_time(as_of, known_at)
        with on_map(projections.connection, when, geography):
            rows = queries.counts(projections, when, by=columns, programme=programme)
    # Names beside codes for people; scripts get the §5 columns only.
    shown = queries.shown_columns(columns) if fmt == "table" else columns
    show_table(rows, [*shown, "beneficiaries"], fmt, when.as_of, when.known_at)


@cli.command()
@point_in_time_options
@click.option("--programme", metavar="P", help="Only this programme.")
@format_option
@pass_settings
@analysis_errors
def reach(settings: Settings, as_of: dt.date, known_at: dt.datetime | None, geography: str,
          programme: str | None, fmt: str) -> None:
    """Each programme's reach as of a date: beneficiaries, districts and provinces.

    \b
    Example:
      ledger reach --as-of 2025-12-31 --format json
    """
    with projections_for(settings) as projections:
        when = projections.point_in_time(as_of, known_at)
        with on_map(projections.connection, when, geography):
            rows = queries.reach(projections, when, programme)
    show_table(rows, REACH_COLUMNS, fmt, when.as_of, when.known_at)


@cli.command()
@point_in_time_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              metavar="DIR", help="Folder of the Parquet tables (DIR/<table>/as_of=D/).")
@click.option("--rebuild", is_flag=True,
              help="Extract every event from the store again before replaying.")
@pass_settings
@analysis_errors
def replay(settings: Settings, as_of: dt.date, known_at: dt.datetime | None, geography: str,
           out: Path, rebuild: bool) -> None:
    """Write every table as of a date as Hive-partitioned Parquet.

    Tables: beneficiary_counts, district_reach, programme_summary, payments, monthly, coverage,
    districts.
    A replay for the same date replaces that date's files.

    \b
    Example:
      ledger replay --as-of 2025-12-31 --out out/
      duckdb -c "SELECT * FROM read_parquet('out/programme_summary/*/*.parquet',
                 hive_partitioning=true)"
    """
    refuse_output(settings, out)
    progress = _Progress("extracting events")
    with projections_for(settings, update=not rebuild, progress=progress) as projections:
        if rebuild:
            projections.rebuild(progress.extracted)
        progress.close()
        when = projections.point_in_time(as_of, known_at)
        with on_map(projections.connection, when, geography):
            written = queries.replay(projections, when, out, on_table=progress.step)
    progress.close()
    rows = [{"table": w.table, "rows": w.rows, "file": str(w.path)} for w in written]
    click.echo(render(rows, ["table", "rows", "file"], "table"))


@cli.command()
@click.argument("sql")
@click.option("--out", type=click.Path(file_okay=False, exists=True, path_type=Path),
              metavar="DIR", help="Query this replay folder instead of the store's projections.")
@click.option("--as-of", type=DATE, metavar="D",
              help="Without --out: the date the tables are computed for (default: today, UTC).")
@click.option("--known-at", type=TIMESTAMP, metavar="T",
              help="Without --out: as known at T (default: everything recorded so far).")
@click.option("--memory-limit", default=queries.MEMORY_LIMIT, show_default=True, metavar="SIZE",
              help="Stop the query if it needs more memory than this (e.g. 512MB, 2GB).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
              default=queries.TIME_LIMIT_S, show_default=True, metavar="SECONDS",
              help="Stop the query after this many seconds.")
@format_option
@pass_settings
@analysis_errors
def query(settings: Settings, sql: str, out: Path | None, as_of: dt.date | None,
          known_at: dt.datetime | None, memory_limit: str, timeout: float, fmt: str) -> None:
    """Run one read-only SELECT over views named after the tables.

    The views are beneficiary_counts, district_reach, programme_summary, payments, monthly and
    coverage,
    each with an as_of column: from a replay folder (--out), or computed from the store's
    projections as of --as-of. The query reads no other file, writes none, changes no
    setting, and stops with an error past --memory-limit or --timeout.

    \b
    Examples:
      ledger query "SELECT programme, sum(beneficiaries) FROM beneficiary_counts GROUP BY ALL"
      ledger query --out out/ "SELECT as_of, * FROM programme_summary ORDER BY as_of"
    """
    limits = queries.QueryLimits(memory=memory_limit, seconds=timeout)
    if out is not None:
        if as_of is not None or known_at is not None:
            raise click.UsageError("--as-of and --known-at apply to the store, not to --out")
        columns, rows = queries.query(sql, out=out, limits=limits)
    else:
        with projections_for(settings) as projections:
            when = projections.point_in_time(as_of or dt.datetime.now(dt.UTC).date(), known_at)
            columns, rows = queries.query(sql, projections=projections, when=when, limits=limits)
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    click.echo(render(records, columns, fmt))


@contextmanager
def projections_for(settings: Settings, *, update: bool = True,
                 progress: _Progress | None = None) -> Iterator[Projections]:
    with Projections.open(settings.store, update=update, on_wait=waiting_notice(),
                          progress=progress.extracted if progress else None) as projections:
        yield projections


def show_table(rows: list[dict[str, Any]], columns: list[str] | tuple[str, ...], fmt: str,
          as_of: dt.date, known_at: dt.datetime) -> None:
    if fmt == "table":
        click.echo(f"As of {as_of.isoformat()}, as known at {known_at.isoformat()}\n")
    click.echo(render(rows, columns, fmt))


class _Progress:
    """A progress bar on a terminal (extraction, then one line per table); silent when piped."""

    def __init__(self, label: str):
        self.label = label
        self.visible = sys.stderr.isatty()
        self.bar: Any = None
        self.shown = 0

    def extracted(self, done: int, total: int) -> None:
        if not self.visible:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def step(self, table: str) -> None:
        if self.visible:
            click.echo(f"writing {table} …", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
