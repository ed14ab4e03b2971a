"""`prove` and `prove --check`: one event proven against a signed checkpoint, checked with the
public key alone; any edit of the proof fails. And `checkpoint --out` never takes the store."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from audit_support import RawStore, record_pilot
from checkpoint_support import checkpoint, keys, record_more, run

from ledger.bootstrap import open_ledger


@pytest.fixture
def store(store_url: str) -> str:
    ledger = open_ledger(store_url, create=True)
    record_pilot(ledger)
    ledger.close()
    return store_url


def _check(proof: Path, public: Path) -> Any:
    # No --store at all, and a store path that does not exist: --check must never open one.
    return run(str(proof.parent / "no-such-ledger.db"), "prove", "--check", str(proof),
               "--public-key", str(public))


def test_a_payment_is_proven_and_the_proof_checks_without_the_store(store: str,
                                                                   tmp_path: Path) -> None:
    key, public = keys(tmp_path)
    held = checkpoint(store, key, tmp_path / "held.note")
    result = run(store, "prove", "pay-b1-1", "--checkpoint", str(held))
    assert result.exit_code == 0, result.output
    proof = json.loads(result.stdout)
    assert (proof["event_id"], proof["position"], proof["leaf_index"], proof["tree_size"]) \
        == ("pay-b1-1", 7, 6, 16)
    assert proof["event"]["topic"].endswith("PaymentRecorded")
    assert proof["event"]["fields"]["amount"] == "300000.00"
    assert proof["checkpoint"] == held.read_text()
    assert len(proof["inclusion_proof"]) == 4
    assert base64.b64decode(proof["leaf_bytes"]).endswith(b"}")
    path = tmp_path / "proof.json"
    path.write_text(result.stdout)
    checked = _check(path, public)
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.startswith("proof checked: event 'pay-b1-1' is leaf 6 of the 16 events")
    assert not (tmp_path / "no-such-ledger.db").exists()


def test_an_event_in_a_later_block_is_proven_against_an_older_and_a_newer_checkpoint(
        store: str, tmp_path: Path) -> None:
    key, public = keys(tmp_path)
    ledger = open_ledger(store)
    record_more(ledger, 0, 1500)
    ledger.close()
    older = checkpoint(store, key, tmp_path / "older.note")
    ledger = open_ledger(store)
    record_more(ledger, 1500, 1200)
    ledger.close()
    newer = checkpoint(store, key, tmp_path / "newer.note")
    for held, size in ((older, 1516), (newer, 2716)):
        result = run(store, "prove", "enr-x1300", "--checkpoint", str(held))
        assert result.exit_code == 0, result.output
        assert (json.loads(result.stdout)["leaf_index"], json.loads(result.stdout)["tree_size"]) \
            == (1316, size)
        path = tmp_path / "proof.json"
        path.write_text(result.stdout)
        assert _check(path, public).exit_code == 0
    late = run(store, "prove", "enr-x2000", "--checkpoint", str(older))
    assert late.exit_code == 1
    assert "was recorded after the checkpoint (1,516 events)" in late.stderr


def _edits(proof: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    def edited(**changes: Any) -> dict[str, Any]:
        return {**proof, **changes}

    path = [base64.b64decode(p) for p in proof["inclusion_proof"]]
    leaf = base64.b64decode(proof["leaf_bytes"])
    fields = {**proof["event"]["fields"], "amount": "900000.00"}
    edits = [
        ("leaf index + 1", edited(leaf_index=proof["leaf_index"] + 1,
                                  position=proof["position"] + 1)),
        ("leaf index - 1", edited(leaf_index=proof["leaf_index"] - 1,
                                  position=proof["position"] - 1)),
        ("position", edited(position=proof["position"] + 1)),
        ("tree size * 2", edited(tree_size=proof["tree_size"] * 2)),
        ("amount in the readable fields", edited(event={**proof["event"], "fields": fields})),
        ("amount in the leaf bytes", edited(leaf_bytes=base64.b64encode(
            leaf.replace(b"300000.00", b"900000.00")).decode())),
        ("event id", edited(event_id="pay-b2-1")),
        ("element removed", edited(inclusion_proof=proof["inclusion_proof"][:-1])),
        ("element added", edited(inclusion_proof=[*proof["inclusion_proof"],
                                                  proof["inclusion_proof"][0]])),
        ("checkpoint size", edited(checkpoint=proof["checkpoint"].replace("\n16\n", "\n17\n"))),
        ("not base64", edited(leaf_bytes="%%%")),
    ]
    for i in range(len(path)):
        flipped = [*path[:i], bytes([path[i][0] ^ 1]) + path[i][1:], *path[i + 1 :]]
        edits.append((f"flipped bit in element {i}",
                      edited(inclusion_proof=[base64.b64encode(p).decode() for p in flipped])))
    return edits


def test_every_edit_of_a_proof_fails_its_check(store: str, tmp_path: Path) -> None:
    key, public = keys(tmp_path)
    held = checkpoint(store, key, tmp_path / "held.note")
    proof = json.loads(run(store, "prove", "pay-b1-1", "--checkpoint", str(held)).stdout)
    for what, edited in _edits(proof):
        path = tmp_path / "edited.json"
        path.write_text(json.dumps(edited))
        result = _check(path, public)
        assert result.exit_code == 1, what
        assert result.stderr.startswith("Error: "), what
    (tmp_path / "other").mkdir()
    _, other = keys(tmp_path / "other")
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    wrong_key = _check(tmp_path / "proof.json", other)
    assert wrong_key.exit_code == 1 and "no signature by key" in wrong_key.stderr
    (tmp_path / "garbage.json").write_text("{not json")
    assert "Error: the proof is not JSON" in _check(tmp_path / "garbage.json", public).stderr


def test_no_proof_is_made_from_a_ledger_that_no_longer_has_the_root(store: str,
                                                                   tmp_path: Path) -> None:
    key, _ = keys(tmp_path)
    held = checkpoint(store, key, tmp_path / "held.note")
    RawStore(store).alter_state(7, b'"300000.00"', b'"900000.00"')
    result = run(store, "prove", "pay-b1-1", "--checkpoint", str(held))
    assert result.exit_code == 1
    assert "the ledger no longer gives this checkpoint's root" in result.stderr
    assert "Error: no event 'nope' is recorded" in \
        run(store, "prove", "nope", "--checkpoint", str(held)).stderr


@pytest.mark.parametrize("target", ["ledger.db", "ledger.db.key", "ledger.db-wal",
                                    "ledger.projections.duckdb", "audit.key"])
def test_checkpoint_out_never_takes_the_store_or_a_companion(sqlite_url: str, tmp_path: Path,
                                                             target: str) -> None:
    ledger = open_ledger(sqlite_url, create=True)
    record_pilot(ledger)
    ledger.close()
    key, _ = keys(tmp_path)
    path = tmp_path / target
    before = path.read_bytes() if path.exists() else None
    result = run(sqlite_url, "checkpoint", "--key", str(key), "--out", str(path))
    assert result.exit_code == 1
    assert "Error: " in result.stderr and "nothing was written" in result.stderr
    assert (path.read_bytes() if path.exists() else None) == before
    ledger = open_ledger(sqlite_url)
    assert ledger.store.max_position() == 16
    ledger.close()
