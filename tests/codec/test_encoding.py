"""The ledger writes each event's stored state itself: byte for byte what the library's mapper,
with the library's own JSON transcoder, writes for the same event — a versioned one too."""

from __future__ import annotations

import datetime as dt
import decimal
import typing
import uuid
from typing import Any

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)
from hypothesis import given
from hypothesis import strategies as st

from ledger.codec.encoder import layout, stored_amount, stored_date, stored_state, stored_time
from ledger.codec.transcoder import DateAsISO
from ledger.domain.district import District
from ledger.domain.enrolment import Enrolment
from ledger.domain.programme import Programme
from ledger.domain.timeline import Timeline


class PaymentRecordedV3(Enrolment.PaymentRecorded):
    """A payment as it might be recorded one day: two changes later, with two more fields."""

    class_version = 3
    channel: str
    paid_on: dt.date | None


EVENTS: list[type[Timeline.Event]] = [
    Programme.ProgrammeRegistered, Programme.DistrictExpanded, Programme.DistrictWithdrawn,
    Programme.EventRetracted, Enrolment.BeneficiaryEnrolled, Enrolment.BeneficiaryTransferred,
    Enrolment.BeneficiaryExited, Enrolment.PaymentRecorded, Enrolment.PaymentReversed,
    Enrolment.EventRetracted, PaymentRecordedV3, District.DistrictEstablished,
    District.DistrictRenamed, District.DistrictRetired, District.EventRetracted,
]

texts = st.text(st.characters(codec="utf-8"), max_size=40)  # quotes, backslashes, Lao, controls
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
times = st.datetimes(timezones=offsets)
amounts = st.decimals(min_value=decimal.Decimal("0.01"), max_value=decimal.Decimal(10**14),
                      places=2)


def library_mapper() -> Mapper[Any]:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


def values_for(event_class: type[Timeline.Event]) -> st.SearchStrategy[dict[str, Any]]:
    hints = typing.get_type_hints(event_class)
    strategies: dict[str, st.SearchStrategy[Any]] = {}
    for name in event_class.__dataclass_fields__:
        hint = hints[name]
        options = typing.get_args(hint) or (hint,)
        if name == "originator_id":
            strategies[name] = st.uuids()
        elif name == "originator_version":
            strategies[name] = st.integers(1, 10**6)
        elif dt.datetime in options:
            strategies[name] = times
        elif dt.date in options:
            strategies[name] = st.dates()
        elif decimal.Decimal in options:
            strategies[name] = amounts
        elif list[str] in options:
            strategies[name] = st.lists(texts, max_size=4)
        else:
            strategies[name] = texts
        if type(None) in options:
            strategies[name] = st.none() | strategies[name]
    return st.fixed_dictionaries(strategies)


@given(data=st.data(), event_class=st.sampled_from(EVENTS))
def test_the_stored_state_is_the_library_mappers(data: st.DataObject,
                                                  event_class: type[Timeline.Event]) -> None:
    drawn = data.draw(values_for(event_class))
    event = object.__new__(event_class)  # as the library builds events: fields in their order
    object.__setattr__(event, "__dict__", {n: drawn[n] for n in event_class.__dataclass_fields__})

    expected = library_mapper().to_stored_event(event)

    assert stored_state(event) == (expected.topic, expected.state)
    assert layout(event_class).names == tuple(
        n for n in event_class.__dataclass_fields__ if n not in ("originator_id",
                                                                 "originator_version")
    )


@given(day=st.dates(), time=times, amount=amounts)
def test_the_transcoded_values_are_the_librarys(day: dt.date, time: dt.datetime,
                                                amount: decimal.Decimal) -> None:
    transcoder = JSONTranscoder()
    for transcoding in (DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    for ours, value in ((stored_date(day), day), (stored_time(time), time),
                        (stored_amount(amount), amount)):
        assert transcoder.encode(ours) == transcoder.encode(value)


def test_a_versioned_state_carries_its_version_after_its_fields() -> None:
    values: dict[str, Any] = dict.fromkeys(PaymentRecordedV3.__dataclass_fields__, "x")
    values.update(originator_id=uuid.uuid4(), originator_version=1, paid_on=None, appended_at=None,
                  effective_date=dt.date(2025, 1, 2), amount=decimal.Decimal("1.50"),
                  timestamp=dt.datetime(2025, 1, 2, tzinfo=dt.UTC))
    event = object.__new__(PaymentRecordedV3)
    object.__setattr__(event, "__dict__", values)

    topic, state = stored_state(event)

    assert state.endswith(b',"channel":"x","paid_on":null,"class_version":3}')
    read = library_mapper().to_domain_event(StoredEvent(values["originator_id"], 1, topic, state))
    assert read.__dict__ == {**values}  # read as written: no upcasting, no version left behind
