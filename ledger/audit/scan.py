"""A fresh pass over the stored events: the tree they give today, block by block.

`verify --checkpoint` trusts nothing the store says about the tree: it hashes every event again,
keeping only each complete block's hash (32 bytes per 1,024 events) and the first position of
each block, and the roots at the sizes it is asked about. Leaves of one block are hashed again
from the events when a proof or a comparison needs them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from ledger.audit import merkle
from ledger.audit.leafstream import hashed
from ledger.storage.session import LedgerStore
from ledger.storage.tree import BLOCK


@dataclass
class Scan:
    """The tree of the events stored today (a `tree.Source`)."""

    store: LedgerStore
    block: int = BLOCK
    size: int = 0
    hashes: list[bytes] = field(default_factory=list)  # complete blocks
    firsts: list[int] = field(default_factory=list)  # the first position of every block
    roots: dict[int, bytes] = field(default_factory=dict)  # the root at each size asked about
    tail: list[bytes] = field(default_factory=list)  # leaf hashes of the incomplete last block

    def blocks(self, count: int) -> Sequence[bytes]:
        return self.hashes[:count]

    def leaves(self, index: int, count: int) -> Sequence[bytes]:
        if index == len(self.hashes):
            return self.tail[:count]
        if index >= len(self.firsts):
            return []
        return [h for _, h in hashed(self.store, self.firsts[index] - 1, limit=count,
                                     window=self.block)]


def scan(store: LedgerStore, end: int, sizes: Collection[int]) -> Scan:
    """Hash every event stored up to position `end`; note the root at each of `sizes`."""
    result = Scan(store)
    wanted = set(sizes)
    partial: dict[int, bytes] = {}
    current: list[bytes] = []
    for position, leaf in hashed(store, 0, end):
        if not current:
            result.firsts.append(position)
        current.append(leaf)
        result.size += 1
        if result.size in wanted:
            partial[result.size] = merkle.root(current)
        if len(current) == BLOCK:
            result.hashes.append(merkle.root(current))
            current = []
    result.tail = current
    for size in wanted:
        if size == 0:
            result.roots[0] = merkle.root([])
        elif size in partial:
            result.roots[size] = merkle.root([*result.hashes[: (size - 1) // BLOCK],
                                              partial[size]])
    return result
