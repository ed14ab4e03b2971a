"""C2SP signed-note and tlog-checkpoint: Ed25519 keys, signing and verification of checkpoint notes."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from ledger.domain.errors import LedgerError

ED25519 = b"\x01"  # the signed-note signature type of Ed25519
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space open each signature line


class NoteError(LedgerError):
    """A note, key or signature that is malformed or does not verify."""


def key_id(name: str, public: bytes) -> bytes:
    """The 4-byte key ID: the head of SHA-256(name || 0x0A || 0x01 || public key)."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


@dataclass(frozen=True)
class SignerKey:
    """A named Ed25519 private key."""

    name: str
    private: Ed25519PrivateKey

    @property
    def public(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def encode(self) -> str:
        """The Go note library's private key text: PRIVATE+KEY+name+hash+base64(type||seed)."""
        seed = self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return f"PRIVATE+KEY+{self.name}+{key_id(self.name, self.public).hex()}+" + _b64(ED25519 + seed)

    def verifier(self) -> VerifierKey:
        return VerifierKey(self.name, self.public)


@dataclass(frozen=True)
class VerifierKey:
    """A named Ed25519 public key."""

    name: str
    public: bytes

    def encode(self) -> str:
        """The C2SP verifier key text: name+hash+base64(type||public key)."""
        return f"{self.name}+{key_id(self.name, self.public).hex()}+" + _b64(ED25519 + self.public)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise NoteError(f"{what} is not base64") from exc


def generate(name: str) -> SignerKey:
    """A fresh Ed25519 key under `name`."""
    _check_name(name)
    return SignerKey(name, Ed25519PrivateKey.generate())


def _split_key(text: str, parts: int, what: str) -> list[str]:
    fields = text.strip().split("+", parts - 1)  # base64 itself may hold "+"
    if len(fields) != parts:
        raise NoteError(f"{what}: expected {parts} '+'-separated fields, found {len(fields)}")
    return fields


def parse_signer(text: str) -> SignerKey:
    """A private key from its text form."""
    _, _, name, hash_hex, body = _split_key(text, 5, "private key")
    if not text.startswith("PRIVATE+KEY+"):
        raise NoteError("private key: does not start with PRIVATE+KEY+")
    raw = _unb64(body, "private key")
    if raw[:1] != ED25519 or len(raw) != 33:
        raise NoteError("private key: not an Ed25519 key")
    key = SignerKey(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
    if key_id(name, key.public).hex() != hash_hex:
        raise NoteError("private key: the key hash does not match its name and key")
    return key


def parse_verifier(text: str) -> VerifierKey:
    """A public key from its C2SP verifier key text."""
    name, hash_hex, body = _split_key(text, 3, "public key")
    raw = _unb64(body, "public key")
    if raw[:1] != ED25519 or len(raw) != 33:
        raise NoteError("public key: not an Ed25519 key")
    key = VerifierKey(name, raw[1:])
    if key_id(name, key.public).hex() != hash_hex:
        raise NoteError("public key: the key hash does not match its name and key")
    return key


@dataclass(frozen=True)
class Checkpoint:
    """The body of a tlog-checkpoint: origin, tree size and root hash."""

    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{_b64(self.root)}\n"


def sign(checkpoint: Checkpoint, key: SignerKey) -> str:
    """The signed note: the checkpoint body, a blank line, one signature line."""
    body = checkpoint.body()
    signature = key.private.sign(body.encode())
    line = f"{SIGNATURE_PREFIX}{key.name} {_b64(key_id(key.name, key.public) + signature)}\n"
    return body + "\n" + line


def open_note(text: str, key: VerifierKey) -> Checkpoint:
    """The checkpoint in `text` once a signature by `key` over it verifies; NoteError otherwise."""
    body, sep, signatures = text.partition("\n\n")
    if not sep or not body:
        raise NoteError("checkpoint: no blank line between the body and its signatures")
    body += "\n"
    wanted = key_id(key.name, key.public)
    found = False
    for line in signatures.splitlines():
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"checkpoint: signature line {line!r} does not start with an em dash")
        name, _, blob = line[len(SIGNATURE_PREFIX) :].partition(" ")
        raw = _unb64(blob, "checkpoint signature")
        if name != key.name or raw[:4] != wanted:
            continue
        found = True
        try:
            Ed25519PublicKey.from_public_bytes(key.public).verify(raw[4:], body.encode())
        except InvalidSignature as exc:
            raise NoteError(f"checkpoint: the signature by {key.name} does not verify") from exc
    if not found:
        raise NoteError(f"checkpoint: no signature by key {key.name} ({wanted.hex()})")
    return _parse_body(body)


def read_unverified(text: str) -> Checkpoint:
    """The checkpoint body of a note, its signatures not checked (to find which state it names)."""
    body, sep, _ = text.partition("\n\n")
    if not sep or not body:
        raise NoteError("checkpoint: no blank line between the body and its signatures")
    return _parse_body(body + "\n")


def _parse_body(body: str) -> Checkpoint:
    lines = body.split("\n")[:-1]
    if len(lines) < 3:
        raise NoteError("checkpoint: the body needs an origin, a size and a root hash")
    origin, size_text, root_text = lines[:3]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError(f"checkpoint: tree size {size_text!r} is not a decimal number")
    root = _unb64(root_text, "checkpoint root hash")
    if len(root) != 32:
        raise NoteError("checkpoint: the root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root)
