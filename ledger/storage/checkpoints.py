"""The checkpoints kept in the ledger (`ledger_checkpoints`): each signed note, as it was made.

A row per `ledger checkpoint`: its number, tree size, root, the note text, when it was made, and
the leaf hashes of its last, incomplete block (the leaves after the last row of `ledger_tree`),
so the stored tree covers every leaf of every kept checkpoint. Created on demand.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.storage import sidetable
from ledger.storage.session import LedgerStore

TABLE = "ledger_checkpoints"


@dataclass(frozen=True, slots=True)
class Kept:
    """One checkpoint as the ledger keeps it."""

    number: int
    size: int
    root: bytes
    note: str
    made_at: str
    tail: bytes  # leaf hashes (32 bytes each) of leaves [size // BLOCK * BLOCK, size)

    def tail_hashes(self) -> list[bytes]:
        return [self.tail[i : i + 32] for i in range(0, len(self.tail), 32)]


def create(store: LedgerStore, session: object) -> None:
    """Make the table if it is not there yet (inside a write transaction)."""
    if sidetable.exists(store, session, TABLE):
        return  # (a ledger role may not create tables: the owner made it, pg_access.py)
    blob = sidetable.blob_type(store)
    sidetable.execute(store, session,
                      "CREATE TABLE IF NOT EXISTS {name} (number BIGINT PRIMARY KEY, "
                      f"size BIGINT NOT NULL, root {blob} NOT NULL, note TEXT NOT NULL, "
                      f"made_at TEXT NOT NULL, tail {blob} NOT NULL)", TABLE)


def add(store: LedgerStore, session: object, size: int, root: bytes, note: str, made_at: str,
        tail: bytes) -> int:
    """Keep one checkpoint (inside the write transaction that stored its blocks); its number."""
    rows = sidetable.fetch(store, session, "SELECT COALESCE(MAX(number), 0) FROM {name}", TABLE)
    number = int(rows[0][0]) + 1
    sidetable.execute(store, session, "INSERT INTO {name} (number, size, root, note, made_at, "
                      "tail) VALUES (?, ?, ?, ?, ?, ?)", TABLE,
                      (number, size, root, note, made_at, tail))
    return number


def kept(store: LedgerStore) -> list[Kept]:
    """Every kept checkpoint, oldest first (none if the table was never made)."""
    return _select(store, "ORDER BY number")


def latest(store: LedgerStore) -> Kept | None:
    """The last checkpoint kept, if any."""
    found = _select(store, "ORDER BY number DESC LIMIT 1")
    return found[0] if found else None


def _select(store: LedgerStore, order: str) -> list[Kept]:
    with store.reading() as session:
        if not sidetable.exists(store, session, TABLE):
            return []
        rows = sidetable.fetch(store, session, "SELECT number, size, root, note, made_at, tail "
                               f"FROM {{name}} {order}", TABLE)
    return [Kept(int(n), int(s), bytes(r), str(t), str(m), bytes(tail))
            for n, s, r, t, m, tail in rows]
