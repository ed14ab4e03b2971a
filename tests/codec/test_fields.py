"""The read side's paths into stored states are where the encoder puts each field, for every event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledger.codec import fields
from ledger.codec.encoder import stored_state
from ledger.domain.timeline import Timeline
from tests.codec.test_encoding import EVENTS, values_for

ATTRIBUTE = {"recorded_at": "timestamp"}  # the read side's name for the library's timestamp


def as_stored_text(value: Any) -> Any:
    """A value as the state keeps it: dates, times and amounts as their text."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list):  # a list of codes (a district's successors) stays a list
        return value
    return None if value is None else value if isinstance(value, str) else str(value)


@given(data=st.data(), event_class=st.sampled_from(EVENTS))
def test_every_path_finds_its_field(data: st.DataObject, event_class: type[Timeline.Event]) -> None:
    drawn = data.draw(values_for(event_class))
    event = object.__new__(event_class)
    object.__setattr__(event, "__dict__", {n: drawn[n] for n in event_class.__dataclass_fields__})
    _, state = stored_state(event)

    for name in fields.PATHS:
        attribute = ATTRIBUTE.get(name, name)
        expected = as_stored_text(drawn[attribute]) if attribute in drawn else None
        assert fields.value(state, name) == expected, name
    assert fields.recorded_at(state) == drawn["timestamp"]


def test_every_path_is_a_field_of_some_event() -> None:
    attributes = {n for event_class in EVENTS for n in event_class.__dataclass_fields__}
    assert {ATTRIBUTE.get(name, name) for name in fields.PATHS} <= attributes
    assert fields.json_path("amount") == "$.amount._data_"
    assert fields.recorded_at(None) is None
