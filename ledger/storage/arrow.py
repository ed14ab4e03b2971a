"""Stored events as Arrow tables of (position, originator, topic, state), for the projections.

Imported only by a reader asked for Arrow (Arrow is slow to import; recording never needs it).
A batch may come as one text per column (values joined by newlines), turned into a table by
numpy and Arrow without a Python object per event. The texts are only trusted when they are
exactly the batch: as many values in each as the store counted (a stored state is compact JSON,
which holds no raw newline), positions all different, and valid UTF-8. Anything else is refused
(None), and the reader reads that batch row by row (`from_rows`), which takes any stored bytes
as they are and names a bad one.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ledger.storage.errors import StoredEventError

RAW_EVENTS = pa.schema(
    [
        ("position", pa.int64()),
        ("originator", pa.string()),
        ("topic", pa.string()),
        ("state", pa.string()),
    ]
)
"""A batch of stored events; the originator is a UUID in text, with or without dashes."""

NEWLINE = 10


def from_rows(
    positions: list[int], originators: list[str], topics: list[str], states: list[bytes]
) -> pa.Table:
    """A RAW_EVENTS table from columns (states are UTF-8 JSON)."""
    try:
        state_column = pa.array(states, pa.binary()).cast(pa.string())
    except pa.ArrowInvalid:
        raise StoredEventError(_not_utf8(positions, states)) from None
    return pa.Table.from_arrays(
        [
            pa.array(positions, pa.int64()),
            pa.array(originators, pa.string()),
            pa.array(topics, pa.string()),
            state_column,
        ],
        schema=RAW_EVENTS,
    )


def parse_columns(
    count: int, positions: str, originators: bytes, topics: bytes, states: bytes
) -> pa.Table | None:
    """The RAW_EVENTS table of `count` events, in position order; None if the texts are not
    exactly that many values each."""
    if count == 0:
        return RAW_EVENTS.empty_table()
    numbers = np.fromstring(positions, dtype=np.int64, sep=",")
    if len(numbers) != count:
        return None
    try:
        # A state keeps its newline (JSON allows whitespace after a value): no copy of the states.
        columns = [
            pa.array(numbers, pa.int64()),
            _values(originators, count, keep_newline=False),
            _values(topics, count, keep_newline=False),
            _values(states, count, keep_newline=True),
        ]
    except _Mismatch:
        return None
    table = pa.Table.from_arrays(columns, schema=RAW_EVENTS)
    steps = np.diff(numbers)
    if (steps > 0).all():
        return table
    # SQLite does not promise group_concat's order: put the events in order here.
    order = np.argsort(numbers, kind="stable")
    if not (np.diff(numbers[order]) > 0).all():
        return None
    return table.take(pa.array(order))


class _Mismatch(Exception):
    """A text does not hold the expected number of values, or is not UTF-8."""


def _values(text: bytes, count: int, *, keep_newline: bool) -> pa.Array:
    """The `count` newline-separated values of `text` as a string array."""
    data = np.frombuffer(text, dtype=np.uint8)
    breaks = np.flatnonzero(data == NEWLINE)
    if len(breaks) != count - 1:
        raise _Mismatch
    if keep_newline:
        ends = breaks + 1
    else:
        data = np.delete(data, breaks)
        ends = breaks - np.arange(len(breaks))
    if len(data) >= 2**31:
        raise _Mismatch  # more than a string array holds: the row-by-row read splits it
    offsets: npt.NDArray[np.int32] = np.empty(count + 1, dtype=np.int32)
    offsets[0] = 0
    offsets[1:count] = ends
    offsets[count] = len(data)
    array = pa.StringArray.from_buffers(
        count, pa.py_buffer(offsets), pa.py_buffer(data if not keep_newline else text)
    )
    try:
        array.validate(full=True)
    except pa.ArrowInvalid:
        raise _Mismatch from None
    return array


def _not_utf8(positions: list[int], states: list[bytes]) -> str:
    """What is wrong with the first state that is not UTF-8 text."""
    for position, state in zip(positions, states, strict=True):
        try:
            state.decode("utf-8")
        except UnicodeDecodeError as failure:
            return f"the stored event at position {position} is not UTF-8 text ({failure.reason})"
        except AttributeError:
            return f"the stored event at position {position} has no state"
    return "a stored event is not UTF-8 text"
