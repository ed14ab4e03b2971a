"""The Merkle tree's stored nodes (`ledger_tree`): one row per complete, aligned block of leaves.

Each row holds a block of `BLOCK` leaves — the hash of that perfect subtree, the positions of its
first and last event, and the block's leaf hashes — written when a checkpoint is made, never on
the append path. A root or proof then needs these rows and at most one block of events; the leaf
hashes let `verify --checkpoint` name the exact first position that differs. Created on demand,
so stores made before it existed gain it without a migration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.storage import sidetable
from ledger.storage.session import LedgerStore

TABLE = "ledger_tree"
BLOCK = 1024  # leaves per stored block (a power of two: every complete block is a subtree)


@dataclass(frozen=True, slots=True)
class Block:
    """One complete block: leaves [index * BLOCK, (index + 1) * BLOCK)."""

    index: int
    first_position: int
    last_position: int
    hash: bytes
    leaves: bytes  # BLOCK leaf hashes of 32 bytes, in order

    def leaf(self, offset: int) -> bytes:
        return self.leaves[32 * offset : 32 * offset + 32]

    def leaf_hashes(self) -> list[bytes]:
        return [self.leaf(i) for i in range(len(self.leaves) // 32)]


def create(store: LedgerStore, session: object) -> None:
    """Make the table if it is not there yet (inside a write transaction)."""
    if sidetable.exists(store, session, TABLE):
        return  # (a ledger role may not create tables: the owner made it, pg_access.py)
    blob = sidetable.blob_type(store)
    sidetable.execute(store, session,
                      "CREATE TABLE IF NOT EXISTS {name} (block BIGINT PRIMARY KEY, "
                      "first_position BIGINT NOT NULL, last_position BIGINT NOT NULL, "
                      f"hash {blob} NOT NULL, leaves {blob} NOT NULL)", TABLE)


def add(store: LedgerStore, session: object, blocks: Sequence[Block]) -> None:
    """Store new blocks (a block already stored is a conflict: another checkpoint got there)."""
    sidetable.execute_many(
        store, session,
        "INSERT INTO {name} (block, first_position, last_position, hash, leaves) "
        "VALUES (?, ?, ?, ?, ?)", TABLE,
        [(b.index, b.first_position, b.last_position, b.hash, b.leaves) for b in blocks])


def count(store: LedgerStore) -> tuple[int, int]:
    """(blocks stored, the position of the last stored block's last event); (0, 0) if none."""
    with store.reading() as session:
        if not sidetable.exists(store, session, TABLE):
            return 0, 0
        rows = sidetable.fetch(store, session, "SELECT block, last_position FROM {name} "
                               "ORDER BY block DESC LIMIT 1", TABLE)
    return (int(rows[0][0]) + 1, int(rows[0][1])) if rows else (0, 0)


def hashes(store: LedgerStore, blocks: int) -> list[bytes]:
    """The subtree hashes of the first `blocks` blocks (fewer if fewer are stored)."""
    with store.reading() as session:
        if not sidetable.exists(store, session, TABLE):
            return []
        rows = sidetable.fetch(store, session, "SELECT hash FROM {name} WHERE block < ? "
                               "ORDER BY block", TABLE, (blocks,))
    return [bytes(r[0]) for r in rows]


def block(store: LedgerStore, index: int) -> Block | None:
    """One stored block, with its leaf hashes."""
    found = _blocks(store, "WHERE block = ?", (index,))
    return found[0] if found else None


def block_at(store: LedgerStore, position: int) -> Block | None:
    """The stored block whose events include `position`, if one does."""
    found = _blocks(store, "WHERE first_position <= ? ORDER BY block DESC LIMIT 1", (position,))
    return found[0] if found and found[0].last_position >= position else None


def _blocks(store: LedgerStore, where: str, values: Sequence[object]) -> list[Block]:
    with store.reading() as session:
        if not sidetable.exists(store, session, TABLE):
            return []
        rows = sidetable.fetch(store, session, "SELECT block, first_position, last_position, "
                               f"hash, leaves FROM {{name}} {where}", TABLE, values)
    return [Block(int(i), int(f), int(last), bytes(h), bytes(v)) for i, f, last, h, v in rows]
