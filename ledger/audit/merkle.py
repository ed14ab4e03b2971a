"""RFC 6962 / RFC 9162 Merkle tree: root, inclusion and consistency proofs, and their verification."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


class ProofError(ValueError):
    """A proof does not verify against the given root."""


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: SHA-256(0x00 || data)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than n (n >= 2): where RFC 6962 splits a tree of n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of already-hashed leaves (the empty tree hashes the empty string)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = split_point(n)
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf `index` in the tree of `leaves` (RFC 9162 §2.1.3.1)."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"index {index} outside a tree of {n} leaves")
    if n == 1:
        return []
    k = split_point(n)
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), root(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), root(leaves[:k])]


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The proof that the tree of `old_size` leaves is a prefix of the tree of `leaves` (§2.1.4.1)."""
    n = len(leaves)
    if not 0 <= old_size <= n:
        raise ValueError(f"old size {old_size} outside 0..{n}")
    if old_size in (0, n):
        return []
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = split_point(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


HASH_SIZE = 32


def _check_sizes(*hashes: bytes) -> None:
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise ProofError(f"a hash of {len(h)} bytes where SHA-256 gives {HASH_SIZE}")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that `proof` implies for leaf hash `leaf` at `index` (RFC 9162 §2.1.3.2)."""
    _check_sizes(leaf, *proof)
    if not 0 <= index < size:
        raise ProofError(f"index {index} outside a tree of {size} leaves")
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree allows")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree needs")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected: bytes) -> None:
    """Raise ProofError unless `proof` places leaf hash `leaf` at `index` under root `expected`."""
    _check_sizes(expected)
    if root_from_inclusion(index, size, leaf, proof) != expected:
        raise ProofError(f"the inclusion proof of leaf {index} does not lead to the root of {size}")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofError unless `proof` shows tree `old_size` is a prefix of tree `new_size` (§2.1.4.2)."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"old size {old_size} is larger than new size {new_size}")
    if old_size == new_size:
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError("equal sizes but different roots")
        return
    if old_size == 0:
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    _check_sizes(old_root, new_root, *proof)
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the proof's first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the trees allow")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the trees need")
    if fr != old_root:
        raise ProofError(f"the consistency proof does not lead to the old root of {old_size}")
    if sr != new_root:
        raise ProofError(f"the consistency proof does not lead to the new root of {new_size}")


class CompactRange:
    """The perfect subtrees covering leaves [0, n): a root of any size in O(log n) memory."""

    def __init__(self) -> None:
        self.size = 0
        self.nodes: list[tuple[int, bytes]] = []  # (leaf count, hash), largest first

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash, merging equal-sized subtrees as RFC 6962's shape does."""
        self.size += 1
        count, h = 1, leaf
        while self.nodes and self.nodes[-1][0] == count:
            left_count, left = self.nodes.pop()
            count, h = left_count + count, node_hash(left, h)
        self.nodes.append((count, h))

    def root(self) -> bytes:
        """The tree hash of the leaves appended so far."""
        if not self.nodes:
            return hashlib.sha256(b"").digest()
        h = self.nodes[-1][1]
        for _, left in reversed(self.nodes[:-1]):
            h = node_hash(left, h)
        return h
