"""`ledger access grant|revoke|list`: which PostgreSQL logins hold which ledger role (SPEC §12)."""

from __future__ import annotations

import click

from cli.common import ledger_for, reports_errors
from cli.context import Settings, pass_settings
from cli.main import cli
from cli.output import format_option, render
from ledger.access import manage
from ledger.access.scope import ROLES


@cli.group()
def access() -> None:
    """Ledger roles of PostgreSQL logins: operator, auditor, analyst, admin (PostgreSQL only).

    \b
    operator  records facts for beneficiaries in its provinces/districts only
    admin     everything, everywhere, plus programme events and `access`
    auditor   reads events, chain and checkpoints (history, verify, export)
    analyst   reads what the projections need, never personal fields

    The login must exist (CREATE ROLE name LOGIN …). The store's owner runs the first grant,
    which also makes the roles, privileges, triggers and append function (docs/deployment.md).
    """


@access.command("grant")
@click.argument("login")
@click.option("--as", "role", required=True, type=click.Choice(ROLES), help="The ledger role.")
@click.option("--province", "provinces", multiple=True, metavar="CODE",
              help="An operator's province (two digits); repeat for more.")
@click.option("--district", "districts", multiple=True, metavar="CODE",
              help="An operator's district (four digits); repeat for more.")
@pass_settings
@reports_errors
def grant(settings: Settings, login: str, role: str, provinces: tuple[str, ...],
          districts: tuple[str, ...]) -> None:
    """Give LOGIN a ledger role (replacing the one it held).

    \b
    Examples:
      ledger access grant vte_ops --as operator --province 01
      ledger access grant audit_unit --as auditor
    """
    manage.checked_scope(login, role, provinces, districts)  # before opening the store
    ledger = ledger_for(settings)
    try:
        scope = manage.grant(ledger.store, login, role, provinces, districts)
    finally:
        ledger.close()
    where = f" in {scope.describe()}" if role == "operator" else ""
    click.echo(f"{login} is now an {role} of this ledger{where}")


@access.command("revoke")
@click.argument("login")
@pass_settings
@reports_errors
def revoke(settings: Settings, login: str) -> None:
    """Take LOGIN's ledger role away (what it recorded stays, with its name).

    \b
    Example:
      ledger access revoke vte_ops
    """
    ledger = ledger_for(settings)
    try:
        held = manage.revoke(ledger.store, login)
    finally:
        ledger.close()
    click.echo(f"{login} no longer holds a ledger role" if held
               else f"{login} held no ledger role; nothing changed")


@access.command("list")
@format_option
@pass_settings
@reports_errors
def list_(settings: Settings, fmt: str) -> None:
    """The logins holding a ledger role, their scope, and who granted it when.

    \b
    Example:
      ledger access list --format csv
    """
    ledger = ledger_for(settings)
    try:
        grants = manage.listing(ledger.store)
    finally:
        ledger.close()
    rows = [{"login": g.scope.login, "role": g.scope.role,
             "scope": g.scope.describe() if g.scope.role in ("operator", "admin") else "",
             "granted_at": g.granted_at.replace(microsecond=0), "granted_by": g.granted_by}
            for g in grants]
    if not rows and fmt == "table":
        click.echo("no login holds a ledger role")
        return
    click.echo(render(rows, ["login", "role", "scope", "granted_at", "granted_by"], fmt))
