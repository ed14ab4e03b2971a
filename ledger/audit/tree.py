"""A Merkle tree seen as complete blocks of leaves plus the leaves of its last block.

Every complete, aligned block of 2^k leaves is a node of the RFC 6962 tree, and the tree of the
block hashes (with the root of the last, incomplete block appended) has the same shape as the
tree of the leaves. So a root or a proof over n leaves needs the n / 2^k block hashes and the
leaves of one block — never the whole ledger. The proofs are merkle.py's, taken at two levels:
inside the block that holds the leaf (or the old size), then over the blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ledger.audit import merkle


class Source(Protocol):
    """Where a tree's blocks and leaves come from (the stored tree, or a fresh scan of events)."""

    block: int  # leaves per block, a power of two

    def blocks(self, count: int) -> Sequence[bytes]:
        """The subtree hashes of the first `count` complete blocks."""

    def leaves(self, index: int, count: int) -> Sequence[bytes]:
        """The first `count` leaf hashes of block `index`."""


def items(source: Source, size: int) -> list[bytes]:
    """The tree of `size` leaves one level up: its complete blocks, then its last block's root."""
    full, rest = divmod(size, source.block)
    nodes = list(source.blocks(full))
    if len(nodes) != full:
        raise ValueError(f"{len(nodes)} blocks where a tree of {size} leaves has {full}")
    if rest:
        nodes.append(merkle.root(_leaves(source, full, rest)))
    return nodes


def root(source: Source, size: int) -> bytes:
    """The RFC 6962 root of the first `size` leaves."""
    return merkle.root(items(source, size))


def inclusion_proof(source: Source, index: int, size: int) -> list[bytes]:
    """The audit path of leaf `index` in the tree of `size` leaves."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} outside a tree of {size} leaves")
    number, offset = divmod(index, source.block)
    block = _leaves(source, number, min(source.block, size - number * source.block))
    return [*merkle.inclusion_proof(offset, block), *merkle.inclusion_proof(number, items(source, size))]


def consistency_proof(source: Source, old: int, new: int) -> list[bytes]:
    """The proof that the tree of `old` leaves is a prefix of the tree of `new` leaves."""
    if not 0 <= old <= new:
        raise ValueError(f"old size {old} outside 0..{new}")
    if old in (0, new):
        return []
    number, inside = divmod(old, source.block)
    upper = items(source, new)
    if inside == 0:
        return merkle.consistency_proof(number, upper)
    block = _leaves(source, number, min(source.block, new - number * source.block))
    lower = merkle.consistency_proof(inside, block)
    if number > 0 and inside & (inside - 1) == 0:
        # Reached by a right turn, a perfect old subtree is not implied by the old root: RFC
        # 9162's SUBPROOF then names it (the `b = false` case), which a proof inside the block
        # alone leaves out.
        lower = [merkle.root(block[:inside]), *lower]
    return [*lower, *merkle.inclusion_proof(number, upper)]


def _leaves(source: Source, index: int, count: int) -> Sequence[bytes]:
    found = source.leaves(index, count)
    if len(found) != count:
        raise ValueError(f"block {index} has {len(found)} of the {count} leaves asked for")
    return found
