"""The Merkle leaves of stored events: their stored bytes, framed canonically, read in windows.

A leaf covers what the store keeps of an event — originator id, version, topic and stored state —
and not its position, which is the leaf's index. Erasing personal fields changes no stored bytes
(they are encrypted at rest and the key is destroyed), so the leaves stay valid.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from uuid import UUID

from ledger.audit import merkle
from ledger.storage.session import LedgerStore

WINDOW = 50_000
_VERSION = struct.Struct(">Q")
_LENGTH = struct.Struct(">I")


def leaf_bytes(originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """One event's leaf bytes: version, id, then topic and state each prefixed by its length."""
    encoded = topic.encode("utf-8")
    return b"".join((_VERSION.pack(version), originator_id.bytes, _LENGTH.pack(len(encoded)), encoded,
                     _LENGTH.pack(len(state)), state))


def leaf_hashes(store: LedgerStore, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
    """The leaf hashes of the stored events with index in [start, stop), in position order."""
    with store.reader() as reader:
        after, index = 0, 0
        while stop is None or index < stop:
            rows = reader.rows(after, WINDOW)
            if not rows:
                return
            for _position, originator, version, topic, state in rows:
                if stop is not None and index >= stop:
                    return
                if index >= start:
                    yield merkle.leaf_hash(leaf_bytes(UUID(hex=originator), version, topic, state))
                index += 1
            after = rows[-1][0]


def streamed_root(store: LedgerStore, size: int) -> tuple[int, bytes]:
    """(leaves found, root) over the first `size` stored events, in O(log n) memory."""
    compact = merkle.CompactRange()
    for h in leaf_hashes(store, 0, size):
        compact.append(h)
    return compact.size, compact.root()
