"""Leaf hashes of stored events by position, read in windows (the next read while this is hashed)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from uuid import UUID

from ledger.audit import merkle
from ledger.audit.leaves import WINDOW, leaf_bytes
from ledger.storage.reader import Row
from ledger.storage.session import LedgerStore


def hashed(store: LedgerStore, after: int, end: int | None = None, *, limit: int | None = None,
           window: int = WINDOW) -> Iterator[tuple[int, bytes]]:
    """(position, leaf hash) of the stored events after position `after` (up to `end`, at most
    `limit` of them), in position order."""
    left = limit
    with store.reader() as reader, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="leaf-read") as ahead:
        pending: Future[list[Row]] | None = ahead.submit(reader.rows, after, _size(window, left))
        while pending is not None:
            rows = pending.result()
            if end is not None and rows and rows[-1][0] > end:
                rows = [r for r in rows if r[0] <= end]
            if left is not None:
                rows = rows[:left]
                left -= len(rows)
            more = len(rows) == window and (left is None or left > 0)
            pending = ahead.submit(reader.rows, rows[-1][0], _size(window, left)) \
                if more else None
            for position, originator, version, topic, state in rows:
                yield position, merkle.leaf_hash(leaf_bytes(UUID(hex=originator), version, topic,
                                                            state))


def _size(window: int, left: int | None) -> int:
    return window if left is None else max(1, min(window, left))
