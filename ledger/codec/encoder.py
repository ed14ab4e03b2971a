"""Events in their stored form: the library mapper's topic and state bytes, written directly.

The library's mapper copies an event's attributes (and, for a class with `class_version` above 1,
that version) and has the JSON transcoder encode them, calling back into Python for every date,
time and amount. The ledger knows its event classes, so it writes the very same bytes without
those calls: `{"_type_": …, "_data_": …}` for each transcoded value, in the order of the event's
fields, then `"class_version"` as the mapper adds it (tests/codec/test_encoding.py holds this
equal to the library's mapper and JSON transcoder for every event type, and a versioned one).
"""

from __future__ import annotations

import datetime as dt
import decimal
import typing
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from eventsourcing.utils import get_topic

from ledger.domain.timeline import Timeline

_IDENTITY = ("originator_id", "originator_version")

Jsonable = Callable[[Any], Any]


def _date(value: dt.date | None) -> Any:
    return None if value is None else {"_type_": "date_iso", "_data_": value.isoformat()}


def _datetime(value: dt.datetime | None) -> Any:
    return None if value is None else {"_type_": "datetime_iso", "_data_": value.isoformat()}


def _decimal(value: decimal.Decimal | None) -> Any:
    return None if value is None else {"_type_": "decimal_str", "_data_": str(value)}


_TRANSCODED: dict[Any, Jsonable] = {
    dt.date: _date,
    dt.datetime: _datetime,
    decimal.Decimal: _decimal,
}


class Layout:
    """One event class's stored form: its topic and how each field is written, in order."""

    def __init__(self, event_class: type[Timeline.Event]):
        self.event_class = event_class
        self.topic = get_topic(event_class)
        # The mapper adds the version after the attributes, and only above 1: a state without
        # one is of version 1, and is upcast when it is read (ledger/codec/decoder.py).
        self.version: int = getattr(event_class, "class_version", 1)
        hints = typing.get_type_hints(event_class)
        self.fields: tuple[tuple[str, Jsonable | None], ...] = tuple(
            (name, _transcoding(hints[name]))
            for name in event_class.__dataclass_fields__
            if name not in _IDENTITY
        )
        self.names = tuple(name for name, _ in self.fields)
        self.name = event_class.__name__

    def state(self, values: Mapping[str, Any]) -> bytes:
        """The stored state of an event with these attribute values."""
        state = {name: values[name] if wrap is None else wrap(values[name])
                 for name, wrap in self.fields}
        if self.version > 1:
            state["class_version"] = self.version
        return orjson.dumps(state)


def _transcoding(hint: Any) -> Jsonable | None:
    """How a field of this type is written: as is (JSON types), or wrapped as the library does."""
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, _UnionType) \
        else (hint,)
    for option in options:
        if option in _TRANSCODED:
            return _TRANSCODED[option]
    return None


_UnionType = type(int | None)

_layouts: dict[type[Any], Layout] = {}


def layout(event_class: type[Timeline.Event]) -> Layout:
    """The (cached) layout of an event class."""
    found = _layouts.get(event_class)
    if found is None:
        found = _layouts[event_class] = Layout(event_class)
    return found


# The transcoded form of the dates that repeat on most events, made once each. (Not amounts:
# equal decimals such as 1.5 and 1.50 are written differently.)
_dates: dict[dt.date, Any] = {}


def stored_date(value: dt.date) -> Any:
    """A date as the library's transcoder writes it (the same few thousand dates, kept)."""
    found = _dates.get(value)
    if found is None:
        if len(_dates) > 100_000:
            _dates.clear()
        found = _dates[value] = _date(value)
    return found


def stored_amount(value: decimal.Decimal) -> Any:
    """An amount as the library's transcoder writes it."""
    return {"_type_": "decimal_str", "_data_": str(value)}


def stored_time(value: dt.datetime) -> Any:
    """A recorded time as the library's transcoder writes it."""
    return {"_type_": "datetime_iso", "_data_": value.isoformat()}


def stored_state(event: Timeline.Event) -> tuple[str, bytes]:
    """An event's topic and state bytes, as the library's mapper would store them."""
    found = layout(type(event))
    return found.topic, found.state(event.__dict__)
