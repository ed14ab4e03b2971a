"""RFC 6962 hashing and proofs against transparency-dev/merkle's vectors and corruption probes."""

from __future__ import annotations

import pytest

from ledger.audit import merkle
from ledger.audit.merkle import ProofError
from tests.audit.merkle_vectors import (
    CONSISTENCY,
    EMPTY_TREE_HASH,
    INCLUSION,
    LEAVES,
    ROOTS,
    SOME_HASH,
)

HASHES = [merkle.leaf_hash(bytes.fromhex(x)) for x in LEAVES]
SOME = bytes.fromhex(SOME_HASH)
EMPTY = bytes.fromhex(EMPTY_TREE_HASH)


def _root(size: int) -> bytes:
    return bytes.fromhex(ROOTS[size - 1])


@pytest.mark.parametrize("size", range(1, 9))
def test_root_matches_the_published_root(size: int) -> None:
    assert merkle.root(HASHES[:size]).hex() == ROOTS[size - 1]


def test_empty_tree_hashes_the_empty_string() -> None:
    assert merkle.root([]) == EMPTY


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION)
def test_inclusion_proof_matches_and_verifies(leaf: int, size: int, proof: list[str]) -> None:
    index = leaf - 1
    assert [h.hex() for h in merkle.inclusion_proof(index, HASHES[:size])] == proof
    merkle.verify_inclusion(index, size, HASHES[index], [bytes.fromhex(p) for p in proof], _root(size))


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY)
def test_consistency_proof_matches_and_verifies(size1: int, size2: int, proof: list[str]) -> None:
    assert [h.hex() for h in merkle.consistency_proof(size1, HASHES[:size2])] == proof
    merkle.verify_consistency(size1, size2, _root(size1), _root(size2), [bytes.fromhex(p) for p in proof])


def _flip(proof: list[bytes], i: int, bit: int) -> list[bytes]:
    out = list(proof)
    out[i] = bytes([out[i][0] ^ bit]) + out[i][1:]
    return out


def _inclusion_probes(
    index: int, size: int, leaf: bytes, root: bytes, proof: list[bytes]
) -> list[tuple[str, int, int, bytes, bytes, list[bytes]]]:
    probes = [
        ("index - 1", index - 1, size, leaf, root, proof),
        ("index + 1", index + 1, size, leaf, root, proof),
        ("index ^ 2", index ^ 2, size, leaf, root, proof),
        ("size * 2", index, size * 2, leaf, root, proof),
        ("size / 2", index, size // 2, leaf, root, proof),
        ("wrong leaf", index, size, b"WrongLeaf", root, proof),
        ("empty root", index, size, leaf, EMPTY, proof),
        ("random root", index, size, leaf, SOME, proof),
        ("trailing garbage", index, size, leaf, root, [*proof, b""]),
        ("trailing root", index, size, leaf, root, [*proof, root]),
        ("preceding garbage", index, size, leaf, root, [b"", *proof]),
        ("preceding root", index, size, leaf, root, [root, *proof]),
    ]
    for i in range(len(proof)):
        probes.append((f"flipped bit in proof[{i}]", index, size, leaf, root, _flip(proof, i, 8)))
    if proof:
        probes.append(("removed element", index, size, leaf, root, proof[:-1]))
    if len(proof) > 1:
        probes.append(("inserted element", index, size, leaf, root, [proof[0], SOME, *proof[1:]]))
    return probes


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION)
def test_every_corrupted_inclusion_proof_fails(leaf: int, size: int, proof: list[str]) -> None:
    index = leaf - 1
    good = [bytes.fromhex(p) for p in proof]
    for desc, i, n, lh, r, p in _inclusion_probes(index, size, HASHES[index], _root(size), good):
        with pytest.raises(ProofError):
            merkle.verify_inclusion(i, n, lh, p, r)
            pytest.fail(f"verified a corrupted inclusion proof: {desc}")


def _consistency_probes(
    s1: int, s2: int, r1: bytes, r2: bytes, proof: list[bytes]
) -> list[tuple[str, int, int, bytes, bytes, list[bytes]]]:
    probes = [
        ("size1 - 1", s1 - 1, s2, r1, r2, proof),
        ("size1 + 1", s1 + 1, s2, r1, r2, proof),
        ("size1 ^ 2", s1 ^ 2, s2, r1, r2, proof),
        ("size2 * 2", s1, s2 * 2, r1, r2, proof),
        ("size2 / 2", s1, s2 // 2, r1, r2, proof),
        ("wrong root1", s1, s2, b"WrongRoot", r2, proof),
        ("wrong root2", s1, s2, r1, b"WrongRoot", proof),
        ("swapped roots", s1, s2, r2, r1, proof),
        ("empty proof", s1, s2, r1, r2, []),
        ("trailing garbage", s1, s2, r1, r2, [*proof, b""]),
        ("trailing root1", s1, s2, r1, r2, [*proof, r1]),
        ("trailing root2", s1, s2, r1, r2, [*proof, r2]),
        ("preceding garbage", s1, s2, r1, r2, [b"", *proof]),
        ("preceding root1", s1, s2, r1, r2, [r1, *proof]),
        ("preceding root2", s1, s2, r1, r2, [r2, *proof]),
        ("preceding proof[0]", s1, s2, r1, r2, [proof[0], *proof]),
        ("truncated proof", s1, s2, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        probes.append((f"flipped bit in proof[{i}]", s1, s2, r1, r2, _flip(proof, i, 16)))
    return probes


@pytest.mark.parametrize(("size1", "size2", "proof"), [c for c in CONSISTENCY if c[2]])
def test_every_corrupted_consistency_proof_fails(size1: int, size2: int, proof: list[str]) -> None:
    good = [bytes.fromhex(p) for p in proof]
    for desc, s1, s2, r1, r2, p in _consistency_probes(size1, size2, _root(size1), _root(size2), good):
        with pytest.raises(ProofError):
            merkle.verify_consistency(s1, s2, r1, r2, p)
            pytest.fail(f"verified a corrupted consistency proof: {desc}")


@pytest.mark.parametrize(
    ("size1", "size2", "root1", "root2", "proof", "ok"),
    [
        (0, 0, b"don't care 1", b"don't care 2", [], False),
        (1, 1, b"don't care 1", b"don't care 2", [], False),
        (0, 0, b"don't care 1", b"don't care 1", [], True),
        (0, 1, b"don't care 1", b"don't care 2", [], True),
        (1, 1, b"don't care 2", b"don't care 2", [], True),
        (1, 0, b"don't care 1", b"don't care 2", [], False),
        (2, 1, b"don't care 1", b"don't care 2", [], False),
        (1, 2, b"don't care 1", b"don't care 2", [], False),
        (0, 0, EMPTY, b"don't care 2", [], False),
        (1, 1, EMPTY, b"don't care 2", [], False),
        (0, 0, EMPTY, EMPTY, [EMPTY], False),
        (0, 1, EMPTY, EMPTY, [EMPTY], False),
        (1, 1, EMPTY, EMPTY, [EMPTY], False),
    ],
)
def test_consistency_edge_cases(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes], ok: bool
) -> None:
    if ok:
        merkle.verify_consistency(size1, size2, root1, root2, proof)
    else:
        with pytest.raises(ProofError):
            merkle.verify_consistency(size1, size2, root1, root2, proof)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (0, 1), (1, 0), (2, 1)])
def test_inclusion_edge_cases_fail(index: int, size: int) -> None:
    for leaf, root in [(SOME, b""), (b"", EMPTY), (SOME, EMPTY)]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(index, size, leaf, [], root)


def test_single_entry_needs_full_size_hashes() -> None:
    h = merkle.leaf_hash(b"data")
    merkle.verify_inclusion(0, 1, h, [], h)
    for leaf, root in [(h, b""), (b"", h), (b"", b"")]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(0, 1, leaf, [], root)


@pytest.mark.parametrize("size", range(1, 40))
def test_every_proof_of_every_small_tree_verifies(size: int) -> None:
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    r = merkle.root(hashes)
    for i in range(size):
        merkle.verify_inclusion(i, size, hashes[i], merkle.inclusion_proof(i, hashes), r)
    for m in range(size + 1):
        merkle.verify_consistency(m, size, merkle.root(hashes[:m]), r, merkle.consistency_proof(m, hashes))


@pytest.mark.parametrize("size", [0, 1, 2, 3, 7, 8, 9, 31, 64, 100])
def test_compact_range_gives_the_tree_root(size: int) -> None:
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    compact = merkle.CompactRange()
    for h in hashes:
        compact.append(h)
    assert compact.root() == merkle.root(hashes)
    assert len(compact.nodes) == bin(size).count("1")
