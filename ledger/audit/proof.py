"""`prove`: one event's stored bytes and its RFC 6962 inclusion proof against a checkpoint, as
JSON — and the check of such a proof with nothing but the public key (no store).

The readable `event` fields are derived from the stored bytes alone (the stored state's JSON
with the library's `{"_type_", "_data_"}` wrappers taken off), so the check recomputes them and
nothing in the JSON is taken on trust: fields ← leaf bytes ← leaf hash ← proof ← signed root.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger.audit import merkle, note, tree
from ledger.audit.leaves import leaf_bytes
from ledger.audit.stored_tree import StoredTree
from ledger.codec.decoder import decode
from ledger.errors import LedgerError
from ledger.storage import tree as table
from ledger.storage.session import LedgerStore

FORMAT = "ledger-inclusion-proof/1"


class ProofFailed(LedgerError):
    """A proof cannot be made, or does not check."""


@dataclass(frozen=True, slots=True)
class Checked:
    """A proof that checked: which event, where, under which signed checkpoint."""

    event_id: str
    leaf_index: int
    checkpoint: note.Checkpoint
    fields: dict[str, Any]


def prove(store: LedgerStore, event_id: str, checkpoint_text: str) -> dict[str, Any]:
    """The proof object of one event against a checkpoint the ledger still reproduces."""
    checkpoint = note.read_unverified(checkpoint_text)
    position = _position(store, event_id)
    row = store.read_rows(position - 1, 1)[0]
    data = leaf_bytes(UUID(hex=row[1]), row[2], row[3], row[4])
    index = _leaf_index(store, position)
    if index >= checkpoint.size:
        raise ProofFailed(f"event {event_id!r} (position {position}) was recorded after the "
                          f"checkpoint ({checkpoint.size:,} events): prove it against a later one")
    proof = tree.inclusion_proof(StoredTree(store), index, checkpoint.size)
    try:
        merkle.verify_inclusion(index, checkpoint.size, merkle.leaf_hash(data), proof,
                                checkpoint.root)
    except merkle.ProofError:
        raise ProofFailed(f"the ledger no longer gives this checkpoint's root for event "
                          f"{event_id!r}: run `ledger verify --checkpoint`") from None
    return {
        "format": FORMAT,
        "event_id": event_id,
        "position": position,
        "leaf_index": index,
        "tree_size": checkpoint.size,
        "event": _readable(row[1], row[2], row[3], row[4]),
        "leaf_bytes": _b64(data),
        "inclusion_proof": [_b64(h) for h in proof],
        "checkpoint": checkpoint_text,
    }


def check(text: str, key: note.VerifierKey) -> Checked:
    """Check a proof object (JSON text) with the signer's public key alone."""
    try:
        obj = json.loads(text)
    except ValueError as wrong:
        raise ProofFailed(f"the proof is not JSON ({wrong})") from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise ProofFailed(f"the proof is not a {FORMAT} object")
    try:
        checkpoint = note.open_note(_field(obj, "checkpoint", str), key)
    except note.NoteError as wrong:
        raise ProofFailed(str(wrong)) from None
    index, size = _field(obj, "leaf_index", int), _field(obj, "tree_size", int)
    if size != checkpoint.size:
        raise ProofFailed(f"tree_size {size} is not the checkpoint's size {checkpoint.size}")
    data = _unb64(_field(obj, "leaf_bytes", str), "leaf_bytes")
    originator, version, topic, state = _parse_leaf(data)
    if obj.get("event") != _readable(originator.hex, version, topic, state):
        raise ProofFailed("the event's fields are not those of its leaf bytes")
    fields = _readable(originator.hex, version, topic, state)["fields"]
    if not isinstance(fields, dict) or fields.get("event_id") != obj.get("event_id"):
        raise ProofFailed("event_id is not the id in the event's stored bytes")
    if obj.get("position") != index + 1:
        raise ProofFailed(f"position {obj.get('position')} is not leaf {index}'s (positions "
                          "count from 1, without gaps)")
    proof = [_unb64(p, "an inclusion proof element")
             for p in _field(obj, "inclusion_proof", list)]
    try:
        merkle.verify_inclusion(index, size, merkle.leaf_hash(data), proof, checkpoint.root)
    except merkle.ProofError as wrong:
        raise ProofFailed(f"the inclusion proof does not verify: {wrong}") from None
    return Checked(str(obj["event_id"]), index, checkpoint, fields)


def _position(store: LedgerStore, event_id: str) -> int:
    with store.reading() as session:
        key = session.find_keys(["id:" + event_id]).get("id:" + event_id)
        if key is None:
            raise ProofFailed(f"no event {event_id!r} is recorded")
        for stored in session.load([key.originator_id]).get(key.originator_id, []):
            event = decode(stored)
            if getattr(event, "event_id", None) == event_id:
                position = session.position(key.originator_id, stored.originator_version)
                if position is not None:
                    return position
    raise ProofFailed(f"event {event_id!r} is recorded as a key but not stored: run `ledger verify`")


def _leaf_index(store: LedgerStore, position: int) -> int:
    """The leaf of the event at `position`: its block's first leaf plus its place in the block."""
    block = table.block_at(store, position)
    if block is not None:
        after, first_leaf = block.first_position - 1, block.index * table.BLOCK
    else:
        stored, after = table.count(store)
        first_leaf = stored * table.BLOCK
    rows = store.read_rows(after, min(position - after, table.BLOCK + 1))
    return first_leaf + sum(1 for r in rows if r[0] < position)


def _readable(originator: str, version: int, topic: str, state: bytes) -> dict[str, Any]:
    try:
        fields: Any = _unwrap(json.loads(state))
    except ValueError:
        fields = None  # not JSON: the bytes speak for themselves
    return {"originator_id": str(UUID(hex=originator)), "originator_version": version,
            "topic": topic, "fields": fields}


def _unwrap(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"_type_", "_data_"}:
            return _unwrap(value["_data_"])
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


_HEAD = struct.Struct(">Q16sI")
_LENGTH = struct.Struct(">I")


def _parse_leaf(data: bytes) -> tuple[UUID, int, str, bytes]:
    """The stored fields framed in leaf bytes; ProofFailed unless framed exactly so."""
    try:
        version, originator, length = _HEAD.unpack_from(data)
        at = _HEAD.size + length
        topic = data[_HEAD.size:at].decode("utf-8")
        (state_length,) = _LENGTH.unpack_from(data, at)
        state = data[at + 4:]
    except (struct.error, UnicodeDecodeError):
        raise ProofFailed("leaf_bytes are not an event's framed stored bytes") from None
    parsed = UUID(bytes=originator), version, topic, state
    if len(state) != state_length or leaf_bytes(*parsed) != data:
        raise ProofFailed("leaf_bytes are not an event's framed stored bytes")
    return parsed


def _field(obj: dict[str, Any], name: str, kind: type) -> Any:
    value = obj.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ProofFailed(f"the proof's {name!r} is missing or not a {kind.__name__}")
    return value


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        raise ProofFailed(f"{what} is not base64") from None
