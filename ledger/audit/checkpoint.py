"""`checkpoint`: sign the ledger's state as a C2SP tlog-checkpoint and keep it in the ledger.

The tree's complete blocks are stored (`ledger_tree`) as they are first seen, so a checkpoint
hashes only the events recorded since the last stored block. Before it signs, it checks that
the ledger still extends the last kept checkpoint (the stored tree and the events after it
reproduce that root, and an RFC 6962 consistency proof between the two sizes verifies): a
ledger changed behind its back is never signed over.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.audit import merkle, note, tree
from ledger.audit.leafstream import hashed
from ledger.audit.stored_tree import StoredTree, TreeNotCovered
from ledger.errors import LedgerError
from ledger.storage import checkpoints, sidetable
from ledger.storage import tree as table
from ledger.storage.session import LedgerStore

WRITE_BLOCKS = 256  # blocks (8 MiB of leaf hashes) written per transaction


class CheckpointRefused(LedgerError):
    """The ledger's state cannot be signed; nothing was signed or kept."""


@dataclass(frozen=True, slots=True)
class Made:
    """A checkpoint just signed and kept."""

    text: str
    checkpoint: note.Checkpoint
    number: int
    hashed: int  # events hashed for it (those after the last stored block)
    seconds: float


def make_checkpoint(store: LedgerStore, key: note.SignerKey, *, now: dt.datetime,
                    origin: str | None = None) -> Made:
    """Sign the state of every event stored now; keep the note in the ledger."""
    started = time.perf_counter()
    end = store.max_position()
    previous = checkpoints.latest(store)
    if previous is not None:
        _still_extends(store, previous)
    stored, last_position = table.count(store)
    new_hashes, tail, count = _extend(store, stored, last_position, end)
    size = (stored + len(new_hashes)) * table.BLOCK + len(tail)
    source = StoredTree(store, tail)
    root = tree.root(source, size)
    if previous is not None:
        _check_consistency(source, previous, size, root)
    body = note.Checkpoint(origin or (previous_origin(previous) if previous else key.name), size,
                           root)
    text = note.sign(body, key)
    with store.writing() as session:
        checkpoints.create(store, session)
        number = checkpoints.add(store, session, size, root, text, now.isoformat(),
                                 b"".join(tail))
    return Made(text, body, number, count, time.perf_counter() - started)


def previous_origin(kept: checkpoints.Kept) -> str:
    """The origin line the last kept checkpoint was signed with (a ledger keeps one origin)."""
    return note.read_unverified(kept.note).origin


def _still_extends(store: LedgerStore, previous: checkpoints.Kept) -> None:
    """Refuse to sign when the stored tree and events no longer give the last kept root."""
    try:
        again = tree.root(StoredTree(store), previous.size)
    except (TreeNotCovered, ValueError):
        again = None
    if again != previous.root:
        raise CheckpointRefused(
            f"the ledger no longer has the root of checkpoint #{previous.number} "
            f"({previous.size:,} events, made {previous.made_at}): it was changed behind its "
            "back — run `ledger verify --checkpoint` on that checkpoint; nothing was signed")


def _extend(store: LedgerStore, stored: int, last_position: int,
            end: int) -> tuple[list[bytes], list[bytes], int]:
    """Hash the events after the last stored block; store each complete block. Returns the new
    blocks' hashes, the leaf hashes of the incomplete last block, and the events hashed."""
    new_hashes: list[bytes] = []
    pending: list[table.Block] = []
    current: list[bytes] = []
    first = 0
    count = 0
    for position, leaf in hashed(store, last_position, end):
        count += 1
        if not current:
            first = position
        current.append(leaf)
        if len(current) == table.BLOCK:
            block = table.Block(stored + len(new_hashes), first, position, merkle.root(current),
                                b"".join(current))
            new_hashes.append(block.hash)
            pending.append(block)
            current = []
            if len(pending) == WRITE_BLOCKS:
                _store_blocks(store, pending)
                pending = []
    _store_blocks(store, pending)
    return new_hashes, current, count


def _store_blocks(store: LedgerStore, blocks: Sequence[table.Block]) -> None:
    try:
        with store.writing() as session:
            table.create(store, session)
            if blocks:
                table.add(store, session, blocks)
    except Exception as failure:
        if _is_conflict(failure):
            raise CheckpointRefused("another checkpoint was being made at the same time; run "
                                    "this one again — nothing was signed") from None
        raise


def _is_conflict(failure: BaseException) -> bool:
    if isinstance(failure, sqlite3.IntegrityError):
        return True
    if sidetable.is_postgres_conflict(failure):
        return True
    cause = failure.__cause__
    return cause is not None and _is_conflict(cause)


def _check_consistency(source: StoredTree, previous: checkpoints.Kept, size: int,
                       root: bytes) -> None:
    if size < previous.size:
        raise CheckpointRefused(
            f"the ledger holds {size:,} events, fewer than the {previous.size:,} of checkpoint "
            f"#{previous.number}: events were cut off — nothing was signed")
    proof = tree.consistency_proof(source, previous.size, size)
    try:
        merkle.verify_consistency(previous.size, size, previous.root, root, proof)
    except merkle.ProofError as wrong:
        raise CheckpointRefused(
            f"the ledger does not extend checkpoint #{previous.number} ({wrong}) — nothing was "
            "signed") from None
