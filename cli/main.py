"""The `ledger` console script: global options and the command groups."""

from __future__ import annotations

import importlib

import click

from cli.context import resolve_settings

# Which module defines each command. A command's module is imported only when that command runs
# (or help lists it), so recording a fact does not load DuckDB and pyarrow.
COMMAND_MODULES = {
    "init": "cli.operators",
    "programme": "cli.operators",
    "enrol": "cli.operators",
    "transfer": "cli.operators",
    "exit": "cli.operators",
    "pay": "cli.operators",
    "reverse": "cli.operators",
    "retract": "cli.operators",
    "import": "cli.interchange",
    "export": "cli.interchange",
    "demo": "cli.demo",
    "counts": "cli.analysts",
    "reach": "cli.analysts",
    "replay": "cli.analysts",
    "query": "cli.analysts",
    "coverage": "cli.coverage",
    "population": "cli.population",
    "history": "cli.audit",
    "verify": "cli.audit",
    "changes": "cli.audit",
    "report": "cli.audit",
    "keygen": "cli.trust",
    "checkpoint": "cli.checkpoints",
    "prove": "cli.checkpoints",
    "access": "cli.access",
    "geography": "cli.geography",
}


class LazyGroup(click.Group):
    """A group whose commands register themselves when their module is first imported."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(COMMAND_MODULES[cmd_name])
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
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
