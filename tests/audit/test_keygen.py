"""`ledger keygen`: a key pair readable by the checkpoint code, private part 0600, never overwritten."""

from __future__ import annotations

import stat
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli
from ledger.audit import note
from ledger.audit.keyfiles import read_signer, read_verifier


def test_keygen_writes_a_matching_pair_with_a_private_mode(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["keygen", "--out", str(tmp_path / "audit"), "--name", "mlsw/audit"])
    assert result.exit_code == 0, result.output
    private, public = tmp_path / "audit.key", tmp_path / "audit.pub"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    signer, verifier = read_signer(private), read_verifier(public)
    assert signer.verifier() == verifier and verifier.name == "mlsw/audit"
    text = note.sign(note.Checkpoint("o", 3, bytes(32)), signer)
    assert note.open_note(text, verifier).size == 3


def test_keygen_refuses_to_overwrite_an_existing_key(tmp_path: Path) -> None:
    (tmp_path / "audit.key").write_text("precious\n")
    result = CliRunner().invoke(cli, ["keygen", "--out", str(tmp_path / "audit")])
    assert result.exit_code != 0
    assert "Error:" in result.output and "never overwritten" in result.output
    assert (tmp_path / "audit.key").read_text() == "precious\n"
    assert not (tmp_path / "audit.pub").exists()


def test_keygen_names_the_key_after_the_file_by_default(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["keygen", "--out", str(tmp_path / "donor")]).exit_code == 0
    assert read_verifier(tmp_path / "donor.pub").name == "donor"
