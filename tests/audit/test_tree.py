"""The tree as blocks plus one block's leaves gives RFC 6962's roots and proofs exactly."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from ledger.audit import merkle, tree
from ledger.audit.merkle import ProofError


class InMemory:
    """A `tree.Source` over a list of leaf hashes cut into blocks of `block`."""

    def __init__(self, hashes: list[bytes], block: int):
        self.hashes, self.block = hashes, block

    def blocks(self, count: int) -> Sequence[bytes]:
        return [merkle.root(self.hashes[i * self.block : (i + 1) * self.block]) for i in range(count)]

    def leaves(self, index: int, count: int) -> Sequence[bytes]:
        return self.hashes[index * self.block : index * self.block + count]


def _hashes(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@pytest.mark.parametrize("block", [1, 2, 4, 8, 16])
def test_roots_and_proofs_equal_those_over_every_leaf(block: int) -> None:
    for size in range(40):
        hashes = _hashes(size)
        source = InMemory(hashes, block)
        assert tree.root(source, size) == merkle.root(hashes)
        for i in range(size):
            assert tree.inclusion_proof(source, i, size) == merkle.inclusion_proof(i, hashes)
        for old in range(size + 1):
            assert tree.consistency_proof(source, old, size) == merkle.consistency_proof(old, hashes)


def _flipped(proof: list[bytes], i: int) -> list[bytes]:
    return [*proof[:i], bytes([proof[i][0] ^ 1]) + proof[i][1:], *proof[i + 1 :]]


@pytest.mark.parametrize(("old", "new"), [(5, 37), (8, 37), (16, 33), (19, 64), (1, 2)])
def test_a_corrupted_blocked_consistency_proof_fails(old: int, new: int) -> None:
    hashes = _hashes(new)
    source = InMemory(hashes, 4)
    proof = tree.consistency_proof(source, old, new)
    r1, r2 = merkle.root(hashes[:old]), merkle.root(hashes)
    merkle.verify_consistency(old, new, r1, r2, proof)
    wrong = [(old - 1, new, r1, r2, proof), (old + 1, new, r1, r2, proof), (old, new * 2, r1, r2, proof),
             (old, new // 2, r1, r2, proof), (old, new, r2, r1, proof), (old, new, r1, r2, proof[:-1]),
             (old, new, r1, r2, [*proof, r1])]
    wrong += [(old, new, r1, r2, _flipped(proof, i)) for i in range(len(proof))]
    for s1, s2, a, b, p in wrong:
        with pytest.raises(ProofError):
            merkle.verify_consistency(s1, s2, a, b, p)


@pytest.mark.parametrize(("index", "size"), [(0, 37), (5, 37), (36, 37), (17, 64), (3, 5)])
def test_a_corrupted_blocked_inclusion_proof_fails(index: int, size: int) -> None:
    hashes = _hashes(size)
    proof = tree.inclusion_proof(InMemory(hashes, 4), index, size)
    r = merkle.root(hashes)
    merkle.verify_inclusion(index, size, hashes[index], proof, r)
    wrong = [(index - 1, size, proof), (index + 1, size, proof), (index, size * 2, proof),
             (index, size // 2, proof), (index, size, proof[:-1]), (index, size, [*proof, r])]
    wrong += [(index, size, _flipped(proof, i)) for i in range(len(proof))]
    for i, n, p in wrong:
        if 0 <= i < n:
            with pytest.raises(ProofError):
                merkle.verify_inclusion(i, n, hashes[index], p, r)
