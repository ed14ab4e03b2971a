"""Signed checkpoints on both stores: what `verify --checkpoint` catches that the chain does not,
and where it says the ledger first differs."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from audit_support import EVENTS, SITTINGS, RawStore, record_pilot
from checkpoint_support import checkpoint, keys, record_more, run, verify

from ledger.application import Ledger
from ledger.audit import merkle, note
from ledger.audit.keyfiles import read_verifier
from ledger.audit.leafstream import hashed
from ledger.audit.verify import verify as verify_chain
from ledger.bootstrap import open_ledger
from ledger.errors import BatchRefused
from ledger.storage import checkpoints
from ledger.storage import tree as table


@pytest.fixture
def store(store_url: str) -> str:
    ledger = open_ledger(store_url, create=True)
    record_pilot(ledger)
    ledger.close()
    return store_url


def _leaves(ledger: Ledger) -> list[bytes]:
    return [h for _, h in hashed(ledger.store, 0)]


def test_a_checkpoint_is_a_signed_note_of_the_stored_tree_and_is_kept(store: str,
                                                                      tmp_path: Path) -> None:
    key, public = keys(tmp_path)
    result = run(store, "checkpoint", "--key", str(key))
    assert result.exit_code == 0, result.output
    opened = note.open_note(result.stdout, read_verifier(public))
    ledger = open_ledger(store)
    assert opened == note.Checkpoint("audit.example/ledger", EVENTS, merkle.root(_leaves(ledger)))
    kept = checkpoints.kept(ledger.store)
    assert [(k.number, k.size, k.root, k.note) for k in kept] == [(1, EVENTS, opened.root,
                                                                    result.stdout)]
    ledger.close()


def test_verify_passes_against_a_checkpoint_after_more_imports(store: str, tmp_path: Path) -> None:
    key, public = keys(tmp_path)
    first = checkpoint(store, key, tmp_path / "first.note")
    ledger = open_ledger(store)
    record_more(ledger, 0, 2100)  # into the third block of 1,024 leaves
    ledger.close()
    second = checkpoint(store, key, tmp_path / "second.note")
    ledger = open_ledger(store)
    record_more(ledger, 2100, 40)
    assert table.count(ledger.store)[0] == 2
    ledger.close()
    for held in (first, second):
        result = verify(store, held, public, "--format", "json")
        assert result.exit_code == 0, result.output
        found = json.loads(result.stdout)["checkpoint"]
        assert found["ok"] and found["events"] == EVENTS + 2140
        proof = [base64.b64decode(h) for h in found["consistency_proof"]]
        size = note.read_unverified(held.read_text()).size
        root = note.read_unverified(held.read_text()).root
        merkle.verify_consistency(size, EVENTS + 2140, root, base64.b64decode(found["ledger_root"]),
                                  proof)
        assert [k["problem"] for k in found["kept"]] == [None, None]


def test_an_event_rewritten_with_its_chain_recomputed_is_named(store: str, tmp_path: Path) -> None:
    key, public = keys(tmp_path)
    held = checkpoint(store, key, tmp_path / "held.note")
    raw = RawStore(store)
    raw.alter_state(8, b'"300000.00"', b'"900000.00"')
    raw.relink_from(8)
    ledger = open_ledger(store)
    assert verify_chain(ledger.store).ok  # the chain alone is fooled
    ledger.close()
    result = verify(store, held, public)
    assert result.exit_code == 1
    assert "DAMAGED: the first 16 stored events do not have the checkpoint's root" in result.stdout
    assert result.stderr.startswith("Error: the ledger does not match its signed checkpoints: "
                                    "position 8 is the first that differs")
    assert "which reproduces the signed root" in result.stderr


def test_the_last_events_cut_off_with_their_links_are_named(store: str, tmp_path: Path) -> None:
    key, public = keys(tmp_path)
    held = checkpoint(store, key, tmp_path / "held.note")
    raw = RawStore(store)
    for position in (14, 15, 16):
        raw.delete(position)
        raw.delete_link(position)
    ledger = open_ledger(store)
    # The chain alone is fooled; the cut events' keys left behind give them away, but whoever cut
    # them could have deleted those too — the checkpoint does not depend on it.
    assert verify_chain(ledger.store).damaged == 0
    ledger.close()
    result = verify(store, held, public, "--format", "json")
    assert result.exit_code == 1
    found = json.loads(result.stdout)["checkpoint"]
    assert found["problem"] == "the checkpoint covers 16 events but the ledger holds only 13"
    assert (found["first"]["position"], found["first"]["cut_off"], found["first"]["proven"]) \
        == (14, True, True)


def test_an_event_deleted_with_its_link_and_the_chain_recomputed_is_named(
        store: str, tmp_path: Path) -> None:
    key, public = keys(tmp_path)
    held = checkpoint(store, key, tmp_path / "held.note")
    raw = RawStore(store)
    raw.delete(9)
    raw.delete_link(9)
    raw.relink_from(10)
    result = verify(store, held, public)
    assert result.exit_code == 1
    assert "position 9 is the first that differs" in result.stderr


def test_an_empty_ledger_can_be_checkpointed_and_then_extended(store_url: str,
                                                               tmp_path: Path) -> None:
    open_ledger(store_url, create=True).close()
    key, public = keys(tmp_path)
    empty = checkpoint(store_url, key, tmp_path / "empty.note")
    assert note.read_unverified(empty.read_text()).size == 0
    ledger = open_ledger(store_url)
    with pytest.raises(BatchRefused):  # a restore may not add to what was known when it signed
        record_pilot(ledger)
    for number, sitting in enumerate(SITTINGS, start=1):  # recorded now instead
        ledger.record_dicts([{k: v for k, v in line.items() if k != "recorded_at"}
                             for line in sitting], operator="tests", source=f"sitting-{number}")
    ledger.close()
    checkpoint(store_url, key, tmp_path / "pilot.note")
    assert verify(store_url, empty, public).exit_code == 0


def test_a_reordering_with_the_chain_recomputed_is_named(store: str, tmp_path: Path) -> None:
    key, public = keys(tmp_path)
    held = checkpoint(store, key, tmp_path / "held.note")
    raw = RawStore(store)
    raw.swap(5, 9)
    raw.relink_from(5)
    result = verify(store, held, public)
    assert result.exit_code == 1
    assert "position 5 is the first that differs" in result.stderr


def test_damage_deep_in_a_large_ledger_is_named_and_never_enters_a_later_checkpoint(
        store: str, tmp_path: Path) -> None:
    key, public = keys(tmp_path)
    ledger = open_ledger(store)
    record_more(ledger, 0, 2600)
    ledger.close()
    held = checkpoint(store, key, tmp_path / "held.note")
    raw = RawStore(store)
    raw.alter_state(1500, b'"X1483"', b'"X9999"')
    raw.relink_from(1500)
    result = verify(store, held, public)
    assert result.exit_code == 1
    assert "position 1500 is the first that differs" in result.stderr
    # A later checkpoint extends the tree stored before the rewrite: it signs what was recorded.
    later = checkpoint(store, key, tmp_path / "later.note")
    assert note.read_unverified(later.read_text()).root == note.read_unverified(held.read_text()).root
    assert "position 1500 is the first that differs" in verify(store, later, public).stderr


def test_a_checkpoint_is_refused_when_the_last_one_is_no_longer_reproduced(
        store: str, tmp_path: Path) -> None:
    key, _ = keys(tmp_path)
    checkpoint(store, key, tmp_path / "held.note")
    raw = RawStore(store)
    raw.alter_state(8, b'"300000.00"', b'"900000.00"')
    raw.relink_from(8)
    refused = run(store, "checkpoint", "--key", str(key), "--out", str(tmp_path / "next.note"))
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error: the ledger no longer has the root of checkpoint #1")
    assert not (tmp_path / "next.note").exists()
    ledger = open_ledger(store)
    assert len(checkpoints.kept(ledger.store)) == 1
    ledger.close()


def test_a_stored_tree_rewritten_too_is_said_to_prove_nothing(store: str, tmp_path: Path) -> None:
    key, public = keys(tmp_path)
    ledger = open_ledger(store)
    record_more(ledger, 0, 2600)
    ledger.close()
    held = checkpoint(store, key, tmp_path / "held.note")
    raw = RawStore(store)
    raw.alter_state(1500, b'"X1483"', b'"X9999"')
    raw.relink_from(1500)
    ledger = open_ledger(store)
    leaves = [h for _, h in hashed(ledger.store, 1024, limit=1024)]
    ledger.close()
    raw.run("UPDATE ledger_tree SET hash = ?, leaves = ? WHERE block = 1",
            (merkle.root(leaves), b"".join(leaves)))
    result = verify(store, held, public)
    assert result.exit_code == 1
    assert "the stored tree was rewritten to match the events, so the position cannot be named" \
        in result.stderr
    assert "within positions 1–2616" in result.stderr


def test_a_kept_checkpoint_the_ledger_cannot_reproduce_is_damage(store: str, tmp_path: Path) -> None:
    key, public = keys(tmp_path)
    old = checkpoint(store, key, tmp_path / "old.note")
    ledger = open_ledger(store)
    record_more(ledger, 0, 30)
    ledger.close()
    checkpoint(store, key, tmp_path / "new.note")
    raw = RawStore(store)
    raw.alter_state(3, b"1306", b"1703")  # before both checkpoints: both kept ones now fail
    raw.relink_from(3)
    result = verify(store, old, public, "--format", "json")
    assert result.exit_code == 1
    found = json.loads(result.stdout)["checkpoint"]
    assert [(k["number"], k["first"]["position"]) for k in found["kept"]] == [(1, 3), (2, 3)]
    assert found["first"]["position"] == 3


def test_a_forged_kept_note_is_named(store: str, tmp_path: Path) -> None:
    key, public = keys(tmp_path)
    held = checkpoint(store, key, tmp_path / "held.note")
    text = held.read_text()
    raw = RawStore(store)
    raw.run("UPDATE ledger_checkpoints SET note = ? WHERE number = 1",
            (text.replace("\n\n", "\nextra\n\n", 1),))  # a body line the signature never saw
    result = verify(store, held, public)
    assert result.exit_code == 1
    assert "kept checkpoint #1" in result.stdout and "no longer verifies" in result.stdout


def test_a_checkpoint_signed_by_another_key_is_refused(store: str, tmp_path: Path) -> None:
    key, _ = keys(tmp_path)
    held = checkpoint(store, key, tmp_path / "held.note")
    (tmp_path / "other").mkdir()
    _, other = keys(tmp_path / "other")
    result = verify(store, held, other)
    assert result.exit_code == 1
    assert "Error: checkpoint: no signature by key audit.example/ledger" in result.stderr
