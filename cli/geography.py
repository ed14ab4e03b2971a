"""Administration: boundary changes recorded as one file each (SPEC §15)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cli.common import DATE, ledger_for, reports_errors
from cli.context import Settings, pass_settings
from cli.main import cli
from cli.output import format_option
from cli.recording import echo_receipt, fact_options, record_one
from ledger import boundary
from ledger.facts import Origin
from ledger.interchange.schema import parse


@cli.group()
def geography() -> None:
    """Record boundary changes: districts split, merged, renamed (SPEC §15)."""


@geography.command("split")
@click.argument("old")
@click.option("--into", "into", required=True, metavar="NEW[,NEW…]",
              help="The districts OLD goes to: new codes are established, existing ones take "
              "it over (a merge, or a change of code).")
@click.option("--assign", "assign", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE.csv", help="Columns beneficiary, district [, programme]: each "
              "beneficiary active in OLD and the district they go to (not needed with one "
              "district in --into).")
@click.option("--effective", type=DATE, required=True, help="The day the boundary changes.")
@click.option("--name", "names", multiple=True, metavar="CODE=NAME",
              help="A new district's name (default: its code).")
@format_option
@pass_settings
@reports_errors
def split(settings: Settings, old: str, into: str, assign: Path | None, effective: dt.date,
          names: tuple[str, ...], fmt: str) -> None:
    """Split OLD into new districts, or merge it into an existing one, as one file.

    Establishes the new districts, expands every programme covering OLD to them, transfers
    every beneficiary active in OLD to the district FILE.csv names, withdraws OLD and retires
    it — all or nothing.

    \b
    Examples:
      ledger geography split 1703 --into 1710,1711 --assign 1703.csv --effective 2025-01-01 \\
        --name 1710=PHOUVONG-NUA --name 1711=PHOUVONG-TAI
      ledger geography split 1705 --into 1704 --effective 2025-01-01    # a merge
    """
    targets = tuple(code.strip() for code in into.split(",") if code.strip())
    if not targets or len(set(targets)) != len(targets) or old in targets:
        raise click.BadParameter("name distinct districts other than OLD", param_hint="--into")
    given = dict(item.split("=", 1) for item in names if "=" in item)
    ledger = ledger_for(settings)
    occupied = boundary.occupancy(ledger.store, old, effective)
    if assign is not None:
        try:
            assigned = boundary.read_assignment(assign, occupied, old, targets, effective)
        except boundary.AssignmentRefused as refused:
            click.echo(refused.report(), err=True)
            raise click.ClickException(str(refused)) from None
    elif len(targets) == 1:
        assigned = dict.fromkeys(occupied.active, targets[0])
    else:
        raise click.BadParameter("a split into several districts needs --assign FILE.csv",
                                 param_hint="--assign")
    known = boundary.existing(ledger.store, (old, *targets))
    lines = boundary.split_lines(old, targets, given, effective, occupied, assigned, known)
    source = f"geography split {old}"
    parsed = (parse(line, Origin(source, n)) for n, line in enumerate(lines, start=1))
    echo_receipt(ledger.record(parsed, operator=settings.operator), fmt)


@geography.command("rename")
@click.argument("district")
@click.option("--name", required=True, help="The district's new name.")
@fact_options
@pass_settings
@reports_errors
def rename(settings: Settings, district: str, name: str, effective: dt.date | None,
           event_id: str | None, note: str | None, fmt: str) -> None:
    """Rename a district, keeping its code (a change of code is a `split --into` one district).

    \b
    Example:
      ledger geography rename 1703 --name "SANAMXAY" --effective 2025-01-01
    """
    record_one(settings, "DistrictRenamed", {"district": district, "name": name},
               effective=effective, event_id=event_id, note=note, fmt=fmt)
