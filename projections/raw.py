"""Stored events as read, before extraction: an Arrow table of (position, originator, topic, state)."""

from __future__ import annotations

import pyarrow as pa

RAW_EVENTS = pa.schema(
    [
        ("position", pa.int64()),
        ("originator", pa.string()),
        ("topic", pa.string()),
        ("state", pa.string()),
    ]
)


class StoredEventError(ValueError):
    """A stored event the projections cannot read (its state is not UTF-8 JSON): tampering, or
    a store written by something else. Named by position, never skipped."""


def raw_table(
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
