"""Builders for domain tests: the 2021 Mother and Early Childhood Grant pilot, one fact at a time.

The aggregates are used directly, without storage: each helper records one fact with a chosen id
and effective date, so a test can name the fact a refusal is expected to contradict.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable

from reference.enrolment import Enrolment
from reference.programme import Programme
from reference.timeline import Meta, Timeline

RECORDED = dt.datetime(2025, 1, 15, 9, 0, tzinfo=dt.UTC)
SANAMXAY = "1703"
NONG = "1306"
XAYSETTHA = "1701"


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def meta(event_id: str, on: str) -> Meta:
    return Meta(event_id=event_id, effective_date=day(on), operator="tester", note=None,
                timestamp=RECORDED)


def register(code: str = "mcw", *, on: str = "2021-06-01", benefit: str = "cash",
             event_id: str = "registered") -> Programme:
    return Programme.register(programme=code, name="Mother and Early Childhood Grant",
                              benefit=benefit, currency=None, meta=meta(event_id, on))


def pilot() -> Programme:
    """MCW registered 2021-06-01, covering Sanamxay and Nong from 2021-06-18."""
    programme = register()
    programme.expand(SANAMXAY, meta("sanamxay-expanded", "2021-06-18"))
    programme.expand(NONG, meta("nong-expanded", "2021-06-18"))
    return programme


def enrol(programme: Programme, beneficiary: str, district: str, *, on: str, event_id: str,
          birth_date: str | None = None, enrolment: Enrolment | None = None) -> Enrolment:
    """Enrol `beneficiary` (a new enrolment timeline unless `enrolment` is given)."""
    if enrolment is None:
        enrolment = Enrolment.start(programme, beneficiary, meta(event_id, on))
    enrolment.enrol(programme=programme.code, beneficiary=beneficiary, district=district,
                    sex="F", birth_date=day(birth_date) if birth_date else None, household=None,
                    meta=meta(event_id, on))
    return enrolment


def pay(enrolment: Enrolment, payment: str, *, on: str, amount: str = "300000",
        currency: str | None = None) -> Timeline.Event:
    return enrolment.pay(payment=payment, amount=decimal.Decimal(amount), period=on[:7],
                         currency=currency, meta=meta(payment, on))


def ids(events: Iterable[Timeline.Event]) -> list[str]:
    return [event.event_id for event in events]
