"""`verify --checkpoint`: does the ledger still hold what a signed checkpoint says it held?

1. the note's signature verifies with the given public key;
2. the first N stored events, hashed again from their bytes, have the checkpoint's root;
3. today's ledger extends it: an RFC 6962 consistency proof from N to today's size, computed
   from the fresh tree and checked with `merkle.verify_consistency`;
4. every checkpoint kept in the ledger is still reproduced by the events (and its note, where
   signed by this key, still verifies).

Where a root is not reproduced, `ledger/audit/locate.py` names the first position that differs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ledger.audit import merkle, note, tree
from ledger.audit.locate import Located, Reference, locate
from ledger.audit.scan import Scan, scan
from ledger.storage import checkpoints
from ledger.storage.session import LedgerStore


@dataclass(frozen=True, slots=True)
class KeptCheck:
    """One checkpoint kept in the ledger, checked again."""

    number: int
    size: int
    made_at: str
    signed: bool  # signed by the key given (else by another key: its signature is not checked)
    problem: str | None  # None: the ledger still reproduces it
    located: Located | None = None


@dataclass(frozen=True, slots=True)
class CheckpointCheck:
    """What `verify --checkpoint` found."""

    checkpoint: note.Checkpoint
    key: str
    events: int  # stored today
    root: bytes  # of today's ledger
    problem: str | None  # None: the first N events have the signed root
    located: Located | None
    consistency: tuple[bytes, ...] | None  # from the checkpoint's size to today's
    kept: tuple[KeptCheck, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.problem is None and all(k.problem is None for k in self.kept)

    def first(self) -> Located | None:
        """The earliest damaged position found, over the checkpoint and the kept ones."""
        found = [x for x in (self.located, *(k.located for k in self.kept)) if x is not None]
        named = [x for x in found if x.index is not None]
        if named:
            return min(named, key=lambda x: x.index or 0)
        return found[0] if found else None


def check_checkpoint(store: LedgerStore, text: str, key: note.VerifierKey) -> CheckpointCheck:
    """Check the ledger against one signed checkpoint note and against the kept ones."""
    started = time.perf_counter()
    signed = note.open_note(text, key)  # NoteError: not signed by this key, or altered
    kept = checkpoints.kept(store)
    end = store.max_position()
    fresh = scan(store, end, {signed.size, *(k.size for k in kept)})
    today = tree.root(fresh, fresh.size)
    reference = Reference(store)
    authentic = _authentic(kept, key)
    bounds = [(signed.size, _reproduced(fresh, signed.size, signed.root)),
              *((k.size, _reproduced(fresh, k.size, k.root)) for k in kept if k.number in authentic)]
    problem, located, consistency = None, None, None
    if not _reproduced(fresh, signed.size, signed.root):
        problem = _missing(fresh, signed.size)
        located = locate(fresh, reference, signed.size, signed.root, _bounds(bounds, signed.size))
    else:
        proof = tree.consistency_proof(fresh, signed.size, fresh.size)
        try:
            merkle.verify_consistency(signed.size, fresh.size, signed.root, today, proof)
            consistency = tuple(proof)
        except merkle.ProofError as wrong:
            problem = f"today's ledger does not extend the checkpoint ({wrong})"
    checks = tuple(_check_kept(k, key, fresh, reference, authentic, bounds) for k in kept)
    return CheckpointCheck(signed, key.name, fresh.size, today, problem, located, consistency,
                           checks, time.perf_counter() - started)


def _reproduced(fresh: Scan, size: int, root: bytes) -> bool:
    return fresh.roots.get(size) == root


def _missing(fresh: Scan, size: int) -> str:
    if fresh.size < size:
        return (f"the checkpoint covers {size:,} events but the ledger holds only "
                f"{fresh.size:,}")
    return f"the first {size:,} stored events do not have the checkpoint's root"


def _authentic(kept: list[checkpoints.Kept], key: note.VerifierKey) -> set[int]:
    """The kept checkpoints whose note verifies with `key` and matches its row."""
    found = set()
    for k in kept:
        try:
            body = note.open_note(k.note, key)
        except note.NoteError:
            continue
        if (body.size, body.root) == (k.size, k.root):
            found.add(k.number)
    return found


def _bounds(sizes: list[tuple[int, bool]], size: int) -> tuple[int, int]:
    """(after, upto): leaves [after, upto) hold the first damage, by signed sizes alone."""
    after = max((s for s, ok in sizes if ok and s <= size), default=0)
    upto = min((s for s, ok in sizes if not ok and s > after), default=size)
    return after, upto


def _check_kept(k: checkpoints.Kept, key: note.VerifierKey, fresh: Scan, reference: Reference,
                authentic: set[int], bounds: list[tuple[int, bool]]) -> KeptCheck:
    signed = k.number in authentic
    problem: str | None = None
    try:
        body = note.read_unverified(k.note)
        if (body.size, body.root) != (k.size, k.root):
            problem = "its row's size or root differ from its note"
        elif not signed and key.name in _signers(k.note):
            problem = f"its note no longer verifies with {key.name}'s key (altered)"
    except note.NoteError as wrong:
        problem = f"its note cannot be read ({wrong})"
    if problem is None and not _reproduced(fresh, k.size, k.root):
        problem = _missing(fresh, k.size).replace("the checkpoint's", "its").replace(
            "the checkpoint", "it")
    located = None
    if problem is not None and not _reproduced(fresh, k.size, k.root):
        located = locate(fresh, reference, k.size, k.root, _bounds(bounds, k.size))
    return KeptCheck(k.number, k.size, k.made_at, signed, problem, located)


def _signers(text: str) -> set[str]:
    _, _, signatures = text.partition("\n\n")
    return {line[len(note.SIGNATURE_PREFIX):].partition(" ")[0] for line in signatures.splitlines()
            if line.startswith(note.SIGNATURE_PREFIX)}
