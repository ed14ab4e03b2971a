"""Keys, checkpoints and the CLI for the checkpoint tests."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from cli.main import cli


def run(store: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", store, *args])


def keys(tmp_path: Path) -> tuple[Path, Path]:
    """A fresh key pair named audit.example/ledger: (private, public)."""
    result = CliRunner().invoke(cli, ["keygen", "--out", str(tmp_path / "audit"),
                                      "--name", "audit.example/ledger"])
    assert result.exit_code == 0, result.output
    return tmp_path / "audit.key", tmp_path / "audit.pub"


def checkpoint(store: str, key: Path, out: Path) -> Path:
    result = run(store, "checkpoint", "--key", str(key), "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def verify(store: str, note: Path, public: Path, *more: str) -> Result:
    return run(store, "verify", "--checkpoint", str(note), "--public-key", str(public), *more)
