"""Merkle leaves read from the store (SQLite and PostgreSQL): a root a relinked chain cannot hide."""

from __future__ import annotations

from audit_support import EVENTS, RawStore, record_pilot

from ledger.application import Ledger
from ledger.audit import merkle
from ledger.audit.leaves import leaf_hashes, streamed_root
from ledger.audit.verify import verify


def test_streamed_root_is_the_tree_root_of_the_stored_leaves(ledger: Ledger) -> None:
    record_pilot(ledger)
    hashes = list(leaf_hashes(ledger.store))
    assert len(hashes) == EVENTS
    assert streamed_root(ledger.store, EVENTS) == (EVENTS, merkle.root(hashes))
    assert streamed_root(ledger.store, 5) == (5, merkle.root(hashes[:5]))
    assert list(leaf_hashes(ledger.store, 3, 6)) == hashes[3:6]


def test_an_event_rewritten_with_its_chain_recomputed_changes_the_root(
    ledger: Ledger, store_url: str
) -> None:
    record_pilot(ledger)
    before = list(leaf_hashes(ledger.store))
    raw = RawStore(store_url)
    raw.alter_state(8, b'"300000.00"', b'"900000.00"')
    raw.relink_from(8)
    assert verify(ledger.store).ok  # the chain alone is fooled, as docs/audit.md says
    after = list(leaf_hashes(ledger.store))
    assert streamed_root(ledger.store, EVENTS)[1] != merkle.root(before)
    assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [7]
