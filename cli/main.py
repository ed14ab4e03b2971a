"""The `ledger` console script: global options and the command groups."""

from __future__ import annotations

import click

from cli.context import resolve_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--store",
    metavar="URL",
    help="Where the ledger lives: a SQLite file (default ledger.db) or a postgresql:// URL. "
    "[env: LEDGER_STORE]",
)
@click.option(
    "--operator",
    metavar="NAME",
    help="Who is recording (default: $LEDGER_OPERATOR, else the OS user).",
)
@click.version_option(package_name="beneficiary-ledger")
@click.pass_context
def cli(ctx: click.Context, store: str | None, operator: str | None) -> None:
    """An event-sourced ledger for social-protection beneficiary programmes.

    Operators record facts as immutable events; auditors replay and verify them;
    analysts query point-in-time projections as of any date and as known at any time.

    \b
    Start here:  ledger demo
    """
    ctx.obj = resolve_settings(store, operator)


def main() -> None:
    cli(prog_name="ledger")


def _register() -> None:
    # Each command group lives in its own module and registers itself on `cli`.
    from cli import analysts, audit, demo, interchange, operators  # noqa: F401


_register()
