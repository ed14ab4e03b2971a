"""Signed checkpoint notes (C2SP signed-note, tlog-checkpoint) with Ed25519 keys."""

from __future__ import annotations

import base64
import hashlib

import pytest

from ledger.audit import note
from ledger.audit.note import Checkpoint, NoteError

ROOT = hashlib.sha256(b"root").digest()


def test_key_id_follows_the_signed_note_rule() -> None:
    key = note.generate("mlsw.example/ledger")
    expected = hashlib.sha256(b"mlsw.example/ledger\n\x01" + key.public).digest()[:4]
    assert note.key_id(key.name, key.public) == expected
    assert key.verifier().encode().startswith(f"mlsw.example/ledger+{expected.hex()}+")


def test_signed_note_has_the_checkpoint_layout_and_verifies() -> None:
    key = note.generate("mlsw")
    text = note.sign(Checkpoint("lao.ledger/abc", 42, ROOT), key)
    lines = text.split("\n")
    assert lines[:4] == ["lao.ledger/abc", "42", base64.b64encode(ROOT).decode(), ""]
    assert lines[4].startswith("\u2014 mlsw ")
    assert base64.b64decode(lines[4].split(" ")[2])[:4] == note.key_id("mlsw", key.public)
    assert note.open_note(text, key.verifier()) == Checkpoint("lao.ledger/abc", 42, ROOT)


def test_keys_round_trip_through_their_text() -> None:
    key = note.generate("mlsw")
    again = note.parse_signer(key.encode())
    assert again.public == key.public and again.name == "mlsw"
    assert note.parse_verifier(key.verifier().encode()) == key.verifier()


def test_a_wrong_key_is_refused() -> None:
    text = note.sign(Checkpoint("o", 1, ROOT), note.generate("mlsw"))
    with pytest.raises(NoteError, match="no signature by key mlsw"):
        note.open_note(text, note.generate("mlsw").verifier())


@pytest.mark.parametrize("change", [("\n42\n", "\n43\n"), ("lao", "lax")])
def test_an_altered_body_fails_its_signature(change: tuple[str, str]) -> None:
    key = note.generate("mlsw")
    text = note.sign(Checkpoint("lao", 42, ROOT), key).replace(*change, 1)
    with pytest.raises(NoteError, match="does not verify"):
        note.open_note(text, key.verifier())


def test_a_tampered_public_key_hash_is_refused() -> None:
    name, _, body = note.generate("mlsw").verifier().encode().split("+", 2)
    with pytest.raises(NoteError, match="key hash"):
        note.parse_verifier(f"{name}+00000000+{body}")
