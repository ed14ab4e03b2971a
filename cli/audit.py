"""Auditors' commands: `history`, `verify`, `changes` and `report`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from cli.checkpoints import against_checkpoint, checkpoint_dict, checkpoint_error, checkpoint_text
from cli.common import DATE, TIMESTAMP, refuse_output, reports_errors, store_for, waiting_notice
from cli.context import Settings, pass_settings
from cli.main import cli
from cli.names import with_district_names
from cli.output import format_option, render
from ledger.audit.entry import COLUMNS as HISTORY_COLUMNS
from ledger.audit.export_head import check_export
from ledger.audit.history import Subject, Window, history
from ledger.audit.verify import Damage, Verification, verify
from projections.changes import (
    CHANGE_COLUMNS,
    EVENT_COLUMNS,
    FIGURE_COLUMNS,
    FIGURES,
    Comparison,
    changes,
)
from projections.report import ReportOptions, write_report
from projections.report.recorders import recorders
from projections.service import Projections

DAMAGE_COLUMNS = ("position", "kind", "detail")


@cli.command("history")
@click.option("--programme", metavar="P", help="A programme's code.")
@click.option("--beneficiary", metavar="B", help="A beneficiary's registry id.")
@click.option("--district", metavar="D", help="A district's 4-digit code.")
@click.option("--as-of", type=DATE, help="Only events effective on or before this date.")
@click.option("--known-at", type=TIMESTAMP,
              help="Only events recorded by then; retractions and reversals as known then.")
@format_option
@pass_settings
@reports_errors
def history_(settings: Settings, programme: str | None, beneficiary: str | None,
             district: str | None, as_of: dt.date | None, known_at: dt.datetime | None,
             fmt: str) -> None:
    """Every event of a beneficiary, programme or district: the full trail, in recording order.

    Each line has the event's position, effective date, recorded time, operator and id, and
    the retraction (`retracted_by`) or payment reversal (`reversed_by`) that withdrew it, if
    any. A district's trail holds its expansions and withdrawals and every enrolment, transfer
    and exit that moved someone into or out of it. Options narrow each other; none gives the
    whole ledger.

    \b
    Example:
      ledger history --beneficiary MCW-1703-000042
      ledger history --programme mcw --district 1703 --known-at 2024-12-31 --format json
    """
    entries = history(store_for(settings), Subject(programme, beneficiary, district),
                      Window(as_of, known_at))
    rows, columns = with_district_names([e.as_row() for e in entries], HISTORY_COLUMNS, fmt)
    click.echo(render(rows, columns, fmt))


@cli.command("verify")
@click.option("--export", "export_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also check this exported log (and its FILE.chain.json) against the ledger.")
@click.option("--checkpoint", "checkpoint_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also check the ledger against this signed checkpoint (with --public-key).")
@click.option("--public-key", type=click.Path(dir_okay=False, path_type=Path),
              metavar="NAME.pub", help="The public key the checkpoint is signed with.")
@format_option
@pass_settings
@reports_errors
def verify_(settings: Settings, export_file: Path | None, checkpoint_file: Path | None,
            public_key: Path | None, fmt: str) -> None:
    """Recompute the integrity chain over every stored event; exit 1 if anything was changed.

    Reports the first position where an event was altered, deleted, inserted or reordered
    behind the ledger's back (and every damaged position after it), and the chain head —
    position and SHA-256 — to write down: a later `verify` that finds a different link at
    that position means history was rewritten. With --export, also checks an exported log
    against the chain head written beside it and against the ledger's events. With
    --checkpoint, also checks a signed checkpoint (docs/audit.md, "Signed checkpoints").

    \b
    Example:
      ledger verify
      ledger verify --export ledger-2025.jsonl.gz --format json
      ledger verify --checkpoint 2025-12-31.note --public-key audit-unit.pub
    """
    store = store_for(settings)
    result = verify(store)
    export = check_export(store, export_file) if export_file is not None else None
    signed = against_checkpoint(store, checkpoint_file, public_key)
    if fmt == "json":
        obj = _verification(result)
        if export is not None:
            obj["export"] = export.as_dict()
        if signed is not None:
            obj["checkpoint"] = checkpoint_dict(signed)
        click.echo(json.dumps(obj, indent=2))
    elif fmt == "csv":
        click.echo(render([_damage(d) for d in result.damage], DAMAGE_COLUMNS, fmt))
    else:
        click.echo(_verification_text(result))
        if export is not None:
            click.echo(_export_text(export.head.export, export.problems, export.head.position))
        if signed is not None:
            click.echo(checkpoint_text(signed))
    if signed is not None and not signed.ok:
        raise click.ClickException(checkpoint_error(signed))
    if result.damaged:
        first = result.first
        assert first is not None
        raise click.ClickException(
            f"the ledger was changed behind its back: position {first.position} is {first.kind}"
            f" ({result.damaged} damaged position{'s' if result.damaged != 1 else ''})"
        )
    if not result.tables_ok:
        changed = ", ".join(t.table for t in result.tables if not t.ok)
        raise click.ClickException(
            f"the ledger's side tables were changed behind its back ({changed}): a re-import "
            "could record events twice — restore them from a backup or an export"
        )
    if export is not None and not export.ok:
        raise click.ClickException(f"the export {export.head.export} does not match the ledger")


@cli.command("changes")
@click.option("--from", "start", type=DATE, metavar="D1",
              help="Compare the state as of D1 (exclusive) …")
@click.option("--to", "end", type=DATE, metavar="D2", help="… with the state as of D2 (inclusive).")
@click.option("--as-of", type=DATE, metavar="D",
              help="Compare two knowledge times for this one date (with --compared-to).")
@click.option("--known-at", type=TIMESTAMP, metavar="T",
              help="As known at T (default: everything recorded so far).")
@click.option("--compared-to", type=TIMESTAMP, metavar="T0",
              help="The earlier knowledge time to compare --known-at with.")
@click.option("--programme", metavar="P", help="Only this programme.")
@format_option
@pass_settings
@reports_errors
def changes_(settings: Settings, start: dt.date | None, end: dt.date | None,
             as_of: dt.date | None, known_at: dt.datetime | None,
             compared_to: dt.datetime | None, programme: str | None, fmt: str) -> None:
    """What changed between two dates, or between two knowledge times for the same date.

    Between dates (--from D1 --to D2): the entries, exits, transfers, expansions, withdrawals,
    payments and reversals effective after D1 up to D2, and the headline figures at both.
    Between knowledge times (--as-of D --compared-to T0 [--known-at T]): what the recordings
    and retractions made after T0 (up to T) changed in the picture of D — late recordings are
    `added`, retractions `removed`.

    \b
    Example:
      ledger changes --from 2024-12-31 --to 2025-06-30
      ledger changes --as-of 2024-12-31 --compared-to 2025-01-15 --known-at 2025-06-30
    """
    dates = start is not None or end is not None
    if dates and (start is None or end is None):
        raise click.UsageError("--from and --to go together")
    if dates and (as_of is not None or compared_to is not None):
        raise click.UsageError("compare either two dates (--from, --to) or two knowledge times "
                               "(--as-of, --compared-to), not both")
    if not dates and (as_of is None or compared_to is None):
        raise click.UsageError("give --from D1 --to D2, or --as-of D --compared-to T0")
    with Projections.open(settings.store, on_wait=waiting_notice()) as projections:
        later = known_at or projections.point_in_time(end or as_of or dt.date.today()).known_at
        try:
            if start is not None and end is not None:
                comparison = Comparison.between_dates(start, end, later)
            else:
                assert as_of is not None and compared_to is not None
                comparison = Comparison.between_knowledge(as_of, compared_to, later)
        except ValueError as wrong:
            raise click.UsageError(str(wrong)) from None
        rows = changes(projections, comparison, programme)
    if fmt != "table":
        click.echo(render(rows, CHANGE_COLUMNS, fmt))
        return
    click.echo(comparison.describe() + "\n")
    click.echo(render([r for r in rows if r["change"] in FIGURES], FIGURE_COLUMNS, fmt) + "\n")
    click.echo(render([r for r in rows if r["change"] not in FIGURES], EVENT_COLUMNS, fmt))


@cli.command("report")
@click.option("--as-of", type=DATE, required=True, metavar="D", help="The date reported on.")
@click.option("--known-at", type=TIMESTAMP, metavar="T",
              help="As known at T (default: everything recorded so far).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The HTML file to write.")
@click.option("--programme", metavar="P", help="Only this programme.")
@click.option("--verify/--no-verify", "check", default=True, show_default=True,
              help="Verify the integrity chain and show the result (--no-verify: faster; the "
              "report then says the chain was not verified).")
@pass_settings
@reports_errors
def report(settings: Settings, as_of: dt.date, known_at: dt.datetime | None, out: Path,
           programme: str | None, check: bool) -> None:
    """Write one self-contained HTML report for managers and auditors, readable offline.

    Headline figures per programme, monthly charts of active beneficiaries, entries and exits,
    district reach by province, payments per period, data-quality notes (late recordings,
    retractions, reversals) and the result of `verify`. Figures only: no names, no ids.

    \b
    Example:
      ledger report --as-of 2025-12-31 --out report.html
    """
    refuse_output(settings, out)
    store = store_for(settings)
    checked = verify(store) if check else None
    with Projections.open(settings.store, on_wait=waiting_notice()) as projections:
        when = projections.point_in_time(as_of, known_at)
        who = recorders(store, when.known_at) if check else None
        written = write_report(projections, ReportOptions(when, programme, checked, who), out)
    click.echo(f"wrote {out} ({written:,} bytes)")


def _verification(result: Verification) -> dict[str, object]:
    return {
        "ok": result.ok,
        "events": result.events,
        "head": {"position": result.head.position, "digest": result.head.digest.hex()}
        if result.head else None,
        "damaged": result.damaged,
        "first": _damage(result.first) if result.first else None,
        "damage": [_damage(d) for d in result.damage],
        "tables": [{"table": t.table, "ok": t.ok, "missing": t.missing, "extra": t.extra,
                    "first_missing": [{"row": row, "position": position}
                                      for row, position in t.first_missing]}
                   for t in result.tables],
        "seconds": round(result.seconds, 3),
    }


def _damage(damage: Damage) -> dict[str, object]:
    return {"position": damage.position, "kind": damage.kind, "detail": damage.detail}


def _verification_text(result: Verification) -> str:
    lines = []
    if not result.damaged:
        lines.append(f"verified {result.events:,} events in {result.seconds:.1f} s: "
                     "the chain is intact")
    else:
        first = result.first
        assert first is not None
        verb = "position does" if result.damaged == 1 else "positions do"
        lines.append(f"DAMAGED: {result.damaged:,} {verb} not match the chain; the first is "
                     f"position {first.position} ({first.kind})")
        lines.append(render([_damage(d) for d in result.damage], DAMAGE_COLUMNS, "table"))
        if result.damaged > len(result.damage):
            lines.append(f"… and {result.damaged - len(result.damage):,} more")
    for table in result.tables:
        lines.append(f"{table.table}: matches the stored events" if table.ok
                     else f"DAMAGED: {table.problem()}")
    if result.head is not None:
        lines.append(f"chain head: position {result.head.position}, "
                     f"sha256 {result.head.digest.hex()}")
    return "\n".join(lines)


def _export_text(name: str, problems: tuple[str, ...], position: int) -> str:
    if not problems:
        return (f"export {name}: intact, and matches the ledger's chain and events up to "
                f"position {position}")
    return "\n".join([f"export {name}: DOES NOT MATCH", *(f"  - {p}" for p in problems)])
