"""The chain link of a stored row, computed straight from the row's columns.

Byte for byte what `ledger.storage.chain.link` computes (tests/audit/test_digest.py holds them
equal for arbitrary rows), without building a UUID per event and in one hash update: `verify`
does this a million times.
"""

from __future__ import annotations

import hashlib
import struct

StoredRow = tuple[int, str, int, str, bytes] | tuple[int, str, int, str, bytes, bytes | None]
"""A stored event's columns, perhaps followed by its link's digest (which is not hashed)."""

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
