"""The tree as the ledger stores it: the blocks of `ledger_tree`, then events for the last block."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.audit.leafstream import hashed
from ledger.errors import LedgerError
from ledger.storage import tree as table
from ledger.storage.session import LedgerStore


class TreeNotCovered(LedgerError):
    """The stored tree has fewer blocks than a tree size needs."""


class StoredTree:
    """A `tree.Source` over the stored blocks; the leaves after them are hashed from the events
    (or taken from `tail`, the leaf hashes a checkpoint has just computed)."""

    block = table.BLOCK

    def __init__(self, store: LedgerStore, tail: Sequence[bytes] | None = None):
        self.store = store
        self.stored, self.last_position = table.count(store)
        self.tail = tail
        self._hashes: list[bytes] | None = None

    def blocks(self, count: int) -> Sequence[bytes]:
        if count > self.stored:
            raise TreeNotCovered(
                f"the ledger's stored tree covers {self.stored * self.block:,} events, not the "
                f"{count * self.block:,} asked for; make a checkpoint to extend it")
        if self._hashes is None:
            self._hashes = table.hashes(self.store, self.stored)
        return self._hashes[:count]

    def leaves(self, index: int, count: int) -> Sequence[bytes]:
        if index < self.stored:
            found = table.block(self.store, index)
            return found.leaf_hashes()[:count] if found else []
        if index == self.stored:
            if self.tail is not None:
                return self.tail[:count]
            return [h for _, h in hashed(self.store, self.last_position, limit=count)]
        raise TreeNotCovered(f"block {index} is past the ledger's stored tree "
                             f"({self.stored} blocks); make a checkpoint to extend it")
