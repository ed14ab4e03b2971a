"""Where each field the read side uses is kept in a stored state: its JSON path.

A stored state is the JSON object the encoder writes (ledger/codec/encoder.py): one key per event
attribute, a date, time or amount as `{"_type_": …, "_data_": text}`. The projections' extraction
(projections/sql/extract.sql) and `verify`'s check of the side tables read fields straight from
the stored bytes, in SQL, with these paths; tests/codec/test_fields.py holds every path to the
encoder for every event class. A row's position, originator and topic (which ends with the
event's name) are columns of the row, not fields of the state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

PATHS: dict[str, tuple[str, ...]] = {
    "recorded_at": ("timestamp", "_data_"),  # the library's `timestamp` is the recorded time
    "effective_date": ("effective_date", "_data_"),
    "event_id": ("event_id",),
    "programme": ("programme",),
    "beneficiary": ("beneficiary",),
    "benefit": ("benefit",),
    "district": ("district",),
    "sex": ("sex",),
    "birth_date": ("birth_date", "_data_"),
    "payment": ("payment",),
    "amount": ("amount", "_data_"),
    "period": ("period",),
    "currency": ("currency",),
    "retracts": ("retracts",),
    "province": ("province",),  # a district's (SPEC §15)
    "name": ("name",),
    "successors": ("successors",),  # lists of district codes
    "carved_from": ("carved_from",),
    "recorded_by": ("recorded_by",),
    "appended_at": ("appended_at", "_data_"),
    "appended_by": ("appended_by",),
}
"""Each field (as the read side names it) → the keys leading to it in a stored state."""


def json_path(field: str) -> str:
    """The field's JSON path, as SQLite, PostgreSQL and DuckDB take it: `$.amount._data_`."""
    return "$." + ".".join(PATHS[field])


def value(state: bytes | str, field: str) -> Any:
    """The field's value in a stored state, as stored (text for dates, times and amounts);
    None when the event has no such field."""
    found: Any = orjson.loads(state)
    for key in PATHS[field]:
        if not isinstance(found, dict):
            return None
        found = found.get(key)
    return found


def recorded_at(state: bytes | None) -> dt.datetime | None:
    """The recorded time of a stored state (None for no state)."""
    if state is None:
        return None
    return dt.datetime.fromisoformat(value(state, "recorded_at"))
