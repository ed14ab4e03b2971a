"""The integrity chain: each stored event's link covers its position, its columns and the link
before it — ``sha256(previous, position, version, originator id, topic, state)``, each length
prefixed — written with the event, in the same transaction.

Computed straight from a row's columns, in one hash update and without a UUID per event: the
write path links every event it appends, and `verify` recomputes a million links.
"""

from __future__ import annotations

import hashlib
import struct

GENESIS = bytes(32)
"""The link before the first event."""

StoredRow = tuple[int, str, int, str, bytes] | tuple[int, str, int, str, bytes, bytes | None]
"""A stored event's columns (position, originator id as hex, version, topic, state), perhaps
followed by its link's digest (which is not hashed)."""

_HEADER = struct.Struct(">QQ")
_LENGTH = struct.Struct(">I")
_topics: dict[str, bytes] = {}


def row_link(previous: bytes, row: StoredRow, position: int | None = None) -> bytes:
    """The link `row` has after `previous` — at its own position, or at `position` if given."""
    at, originator_hex, version, topic, state = row[0], row[1], row[2], row[3], row[4]
    prefix = _topics.get(topic)
    if prefix is None:
        encoded = topic.encode("utf-8")
        prefix = _topics.setdefault(topic, _LENGTH.pack(len(encoded)) + encoded)
    return hashlib.sha256(b"".join((
        previous,
        _HEADER.pack(at if position is None else position, version),
        bytes.fromhex(originator_hex),
        prefix,
        _LENGTH.pack(len(state)),
        state,
    ))).digest()
