"""Operators' commands: create the ledger and record facts one at a time."""

from __future__ import annotations

import datetime as dt

import click

from cli.common import DATE, ledger_for, reports_errors
from cli.context import Settings, pass_settings
from cli.main import cli
from cli.recording import fact_options, record_one
from ledger.domain.enrolment import EXIT_REASONS, SEXES
from ledger.domain.programme import BENEFITS
from ledger.storage import population as population_table


@cli.command()
@pass_settings
@reports_errors
def init(settings: Settings) -> None:
    """Create an empty ledger in the store (a SQLite file by default).

    \b
    Example:
      ledger init
      ledger --store postgresql://postgres@127.0.0.1/ledger init
    """
    ledger = ledger_for(settings, create=True)
    population_table.create(ledger.store)
    click.echo(f"ledger ready at {settings.store} ({ledger.store.kind}), "
               f"{ledger.store.max_position()} events")


@cli.group()
def programme() -> None:
    """Register a programme and change the districts it covers."""


@programme.command("register")
@click.argument("code")
@click.option("--name", required=True, help="The programme's name.")
@click.option("--benefit", type=click.Choice(BENEFITS), required=True)
@click.option("--currency", help="For cash programmes (default LAK).")
@fact_options
@pass_settings
@reports_errors
def register(settings: Settings, code: str, name: str, benefit: str, currency: str | None,
             effective: dt.date | None, event_id: str | None, note: str | None, fmt: str) -> None:
    """Register a programme under a new code.

    \b
    Example:
      ledger programme register mcw --name "Mother and Early Childhood Grant" \\
        --benefit cash --effective 2021-06-01
    """
    record_one(settings, "ProgrammeRegistered",
               {"programme": code, "name": name, "benefit": benefit, "currency": currency},
               effective=effective, event_id=event_id, note=note, fmt=fmt)


@programme.command("expand")
@click.argument("code")
@click.argument("district")
@fact_options
@pass_settings
@reports_errors
def expand(settings: Settings, code: str, district: str, effective: dt.date | None,
           event_id: str | None, note: str | None, fmt: str) -> None:
    """Start covering a district (4-digit national code).

    \b
    Example:
      ledger programme expand mcw 1703 --effective 2021-06-18
    """
    record_one(settings, "DistrictExpanded", {"programme": code, "district": district},
               effective=effective, event_id=event_id, note=note, fmt=fmt)


@programme.command("withdraw")
@click.argument("code")
@click.argument("district")
@fact_options
@pass_settings
@reports_errors
def withdraw(settings: Settings, code: str, district: str, effective: dt.date | None,
             event_id: str | None, note: str | None, fmt: str) -> None:
    """Stop covering a district (refused while anyone is active there).

    \b
    Example:
      ledger programme withdraw mcw 1703 --effective 2025-12-31
    """
    record_one(settings, "DistrictWithdrawn", {"programme": code, "district": district},
               effective=effective, event_id=event_id, note=note, fmt=fmt)


@cli.command()
@click.argument("programme_code", metavar="PROGRAMME")
@click.argument("beneficiary")
@click.option("--district", required=True, help="4-digit district code.")
@click.option("--sex", type=click.Choice(SEXES), required=True)
@click.option("--birth-date", type=DATE, help="YYYY-MM-DD, if known.")
@click.option("--household", help="Household id, if any.")
@fact_options
@pass_settings
@reports_errors
def enrol(settings: Settings, programme_code: str, beneficiary: str, district: str, sex: str,
          birth_date: dt.date | None, household: str | None, effective: dt.date | None,
          event_id: str | None, note: str | None, fmt: str) -> None:
    """Enrol a beneficiary (a pseudonymous registry id, never a name).

    \b
    Example:
      ledger enrol mcw MCW-1703-000001 --district 1703 --sex F --effective 2021-06-20
    """
    record_one(settings, "BeneficiaryEnrolled",
               {"programme": programme_code, "beneficiary": beneficiary, "district": district,
                "sex": sex, "birth_date": birth_date.isoformat() if birth_date else None,
                "household": household},
               effective=effective, event_id=event_id, note=note, fmt=fmt)


@cli.command()
@click.argument("programme_code", metavar="PROGRAMME")
@click.argument("beneficiary")
@click.option("--district", required=True, help="The new district.")
@fact_options
@pass_settings
@reports_errors
def transfer(settings: Settings, programme_code: str, beneficiary: str, district: str,
             effective: dt.date | None, event_id: str | None, note: str | None, fmt: str) -> None:
    """Move an active beneficiary to another covered district.

    \b
    Example:
      ledger transfer mcw MCW-1703-000001 --district 1306 --effective 2022-03-01
    """
    record_one(settings, "BeneficiaryTransferred",
               {"programme": programme_code, "beneficiary": beneficiary, "district": district},
               effective=effective, event_id=event_id, note=note, fmt=fmt)


@cli.command("exit")
@click.argument("programme_code", metavar="PROGRAMME")
@click.argument("beneficiary")
@click.option("--reason", type=click.Choice(EXIT_REASONS), required=True)
@fact_options
@pass_settings
@reports_errors
def exit_(settings: Settings, programme_code: str, beneficiary: str, reason: str,
          effective: dt.date | None, event_id: str | None, note: str | None, fmt: str) -> None:
    """Record that an active beneficiary left the programme.

    \b
    Example:
      ledger exit mcw MCW-1703-000001 --reason aged-out --effective 2023-06-20
    """
    record_one(settings, "BeneficiaryExited",
               {"programme": programme_code, "beneficiary": beneficiary, "reason": reason},
               effective=effective, event_id=event_id, note=note, fmt=fmt)


@cli.command()
@click.argument("programme_code", metavar="PROGRAMME")
@click.argument("beneficiary")
@click.option("--payment", "payment_id", required=True, help="Payment id, unique in the programme.")
@click.option("--amount", required=True, help="Decimal amount, > 0, at most 2 decimals.")
@click.option("--period", required=True, help="The month paid for, YYYY-MM.")
@click.option("--currency", help="Must be the programme's currency (default: it).")
@fact_options
@pass_settings
@reports_errors
def pay(settings: Settings, programme_code: str, beneficiary: str, payment_id: str, amount: str,
        period: str, currency: str | None, effective: dt.date | None, event_id: str | None,
        note: str | None, fmt: str) -> None:
    """Record a payment to an active beneficiary of a cash programme.

    \b
    Example:
      ledger pay mcw MCW-1703-000001 --payment P-2021-08-0001 --amount 300000 \\
        --period 2021-08 --effective 2021-08-12
    """
    record_one(settings, "PaymentRecorded",
               {"programme": programme_code, "beneficiary": beneficiary, "payment": payment_id,
                "amount": amount, "period": period, "currency": currency},
               effective=effective, event_id=event_id, note=note, fmt=fmt)


@cli.command()
@click.argument("programme_code", metavar="PROGRAMME")
@click.argument("payment_id", metavar="PAYMENT")
@click.option("--reason", required=True, help="Why the payment is reversed.")
@fact_options
@pass_settings
@reports_errors
def reverse(settings: Settings, programme_code: str, payment_id: str, reason: str,
            effective: dt.date | None, event_id: str | None, note: str | None, fmt: str) -> None:
    """Reverse a recorded payment (e.g. returned by the bank).

    \b
    Example:
      ledger reverse mcw P-2021-08-0001 --reason "returned by the bank" --effective 2021-09-01
    """
    record_one(settings, "PaymentReversed",
               {"programme": programme_code, "payment": payment_id, "reason": reason},
               effective=effective, event_id=event_id, note=note, fmt=fmt)


@cli.command()
@click.argument("retracts", metavar="EVENT_ID")
@click.option("--reason", required=True, help="Why the event was a mistake.")
@fact_options
@pass_settings
@reports_errors
def retract(settings: Settings, retracts: str, reason: str, effective: dt.date | None,
            event_id: str | None, note: str | None, fmt: str) -> None:
    """Retract a mistaken event: it stops counting from now on, and history keeps both.

    \b
    Example:
      ledger retract auto-1b0ed04f6bc425d93354d58b9dadcf1c --reason "wrong district"
    """
    record_one(settings, "EventRetracted", {"retracts": retracts, "reason": reason},
               effective=effective, event_id=event_id, note=note, fmt=fmt)
