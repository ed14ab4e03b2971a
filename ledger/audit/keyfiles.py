"""Key files for checkpoints: NAME.key (mode 0600, never overwritten) and NAME.pub."""

from __future__ import annotations

import os
from pathlib import Path

from ledger.audit import note
from ledger.errors import LedgerError


class KeyFileError(LedgerError):
    """A key file that cannot be written or read."""


def _create(path: Path, text: str, mode: int) -> None:
    # O_EXCL: an existing key is never replaced, even by a race with another keygen.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise KeyFileError(f"{path}: already exists — a key is never overwritten") from None
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot be created ({exc.strerror})") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text + "\n")
        out.flush()
        os.fsync(out.fileno())


def write_key_pair(out: Path, name: str) -> tuple[Path, Path]:
    """Generate an Ed25519 key named `name`, write OUT.key (0600) and OUT.pub; return both paths."""
    try:
        key = note.generate(name)
    except note.NoteError as exc:
        raise KeyFileError(str(exc)) from None
    private, public = out.with_name(out.name + ".key"), out.with_name(out.name + ".pub")
    for path in (private, public):
        if path.exists():
            raise KeyFileError(f"{path}: already exists — a key is never overwritten")
    _create(private, key.encode(), 0o600)
    _create(public, key.verifier().encode(), 0o644)
    return private, public


def read_signer(path: Path) -> note.SignerKey:
    """The private key in `path`."""
    return note.parse_signer(_read(path))


def read_verifier(path: Path) -> note.VerifierKey:
    """The public key in `path`."""
    return note.parse_verifier(_read(path))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot be read ({exc.strerror})") from None
