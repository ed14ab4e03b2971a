"""`ledger keygen`: the Ed25519 key pair that signs checkpoints (SPEC §8)."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import refuse_output, reports_errors
from cli.context import Settings, pass_settings
from cli.main import cli
from ledger.audit.keyfiles import write_key_pair


@cli.command()
@click.option("--out", "out", required=True, metavar="NAME", help="Write NAME.key (mode 0600) and NAME.pub.")
@click.option("--name", "name", metavar="KEYNAME",
              help="The key's name in signature lines (default: NAME's file name), e.g. mlsw.gov.la/audit.")
@pass_settings
@reports_errors
def keygen(settings: Settings, out: str, name: str | None) -> None:
    """Write a new Ed25519 key pair for signing checkpoints; an existing key is never overwritten.

    Keep NAME.key with whoever signs checkpoints; give NAME.pub to everyone who verifies them.

    \b
    Example:
      ledger keygen --out audit-unit --name mlsw.gov.la/audit
    """
    path = Path(out)
    refuse_output(settings, path.with_name(path.name + ".key"), path.with_name(path.name + ".pub"))
    private, public = write_key_pair(path, name or path.name)
    click.echo(f"wrote {private} (private, mode 0600) and {public} (public)")
