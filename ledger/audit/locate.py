"""Naming the first position where today's events differ from a checkpoint.

A checkpoint gives only a root: to say *where* the ledger changed, today's tree (a fresh scan of
the events) is compared with the tree the ledger stored when checkpoints were made — the blocks
of `ledger_tree` (with their leaf hashes) and the last kept checkpoint's incomplete block. That
reference is evidence only if it reproduces the signed root; then the first differing leaf is
proven. If the stored tree was rewritten too, what remains is said as such: where the events
differ from it (not proven), or only the range between the last checkpoint the ledger still
reproduces and the first it does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.audit import tree
from ledger.audit.scan import Scan
from ledger.storage import checkpoints
from ledger.storage import tree as table
from ledger.storage.session import LedgerStore


class Reference:
    """The tree as stored at checkpoint time (a `tree.Source`); `covered` leaves are known."""

    block = table.BLOCK

    def __init__(self, store: LedgerStore):
        self.store = store
        self.stored, _ = table.count(store)
        self._hashes = table.hashes(store, self.stored)
        latest = checkpoints.latest(store)
        self.tail = latest.tail_hashes() if latest and latest.size // self.block == self.stored \
            else []
        self.covered = self.stored * self.block + len(self.tail)

    def blocks(self, count: int) -> Sequence[bytes]:
        return self._hashes[:count]

    def leaves(self, index: int, count: int) -> Sequence[bytes]:
        if index < self.stored:
            found = table.block(self.store, index)
            return found.leaf_hashes()[:count] if found else []
        return self.tail[:count] if index == self.stored else []

    def reproduces(self, size: int, root: bytes) -> bool:
        return size <= self.covered and tree.root(self, size) == root

    def position(self, index: int) -> int | None:
        """Where leaf `index` was when its block was stored (positions run on without gaps)."""
        number, offset = divmod(index, self.block)
        if number >= self.stored:
            return None
        found = table.block(self.store, number)
        if found is None or found.last_position - found.first_position + 1 != self.block:
            return None
        return found.first_position + offset


@dataclass(frozen=True, slots=True)
class Located:
    """Where the first `size` events stopped matching a signed root."""

    index: int | None  # the first leaf that differs; None when it cannot be named
    position: int | None
    proven: bool  # located against a stored tree that reproduces the signed root
    cut_off: bool  # the events from `index` on are gone
    after: int  # the damage lies in leaves [after, upto): bounds from signed checkpoints
    upto: int

    def describe(self) -> str:
        if self.index is None:
            span = f"positions {self.after + 1}–{self.upto}" if self.upto > self.after + 1 \
                else f"position {self.upto}"
            return ("the stored tree was rewritten to match the events, so the position cannot "
                    f"be named from the store; the damage lies within {span} (between the last "
                    "signed checkpoint the ledger still reproduces and the first it does not) — "
                    "compare with an export or a copy made before")
        where = f"position {self.position}" if self.position is not None \
            else f"leaf {self.index}"
        what = (f"the events from {where} on are gone" if self.cut_off
                else f"{where} is the first that differs (altered, reordered, inserted or "
                "deleted there)")
        if self.proven:
            return what + " — located against the ledger's stored tree, which reproduces the " \
                "signed root"
        return (what + " — located against the ledger's stored tree, which does not reproduce "
                "the signed root either (rewritten too, or it does not cover this checkpoint): "
                "not proven")


def locate(fresh: Scan, reference: Reference, size: int, root: bytes,
           bounds: tuple[int, int]) -> Located:
    """The first leaf below `size` at which today's events differ from the reference."""
    proven = reference.reproduces(size, root)
    limit = min(size, fresh.size, reference.covered)
    index = _first_difference(fresh, reference, limit)
    cut_off = False
    if index is None and fresh.size < size and fresh.size <= reference.covered:
        index, cut_off = fresh.size, True
    if index is None:
        return Located(None, None, proven, False, *bounds)
    # Positions are chosen by the ledger under its write lock, from 1 without gaps.
    position = reference.position(index) or index + 1
    return Located(index, position, proven, cut_off, *bounds)


def _first_difference(fresh: Scan, reference: Reference, limit: int) -> int | None:
    full, rest = divmod(limit, reference.block)
    stored = reference.blocks(full)
    for number in range(full):
        if fresh.hashes[number] != stored[number]:
            return number * reference.block + _first_leaf(fresh, reference, number,
                                                         reference.block)
    if rest:
        offset = _first_leaf(fresh, reference, full, rest)
        if offset < rest:
            return full * reference.block + offset
    return None


def _first_leaf(fresh: Scan, reference: Reference, number: int, count: int) -> int:
    today, then = fresh.leaves(number, count), reference.leaves(number, count)
    for offset, (a, b) in enumerate(zip(today, then, strict=False)):
        if a != b:
            return offset
    return min(len(today), len(then), count)
