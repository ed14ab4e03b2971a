"""The integrity chain: each stored event's digest covers its position, content and the digest before it."""

from __future__ import annotations

import hashlib
import struct
from uuid import UUID

GENESIS = bytes(32)
_HEADER = struct.Struct(">QQ")


def link(previous: bytes, position: int, originator_id: UUID, version: int, topic: str,
         state: bytes) -> bytes:
    """The digest of one stored event, chained to the digest of the event before it."""
    digest = hashlib.sha256(previous)
    digest.update(_HEADER.pack(position, version))
    digest.update(originator_id.bytes)
    encoded_topic = topic.encode("utf-8")
    digest.update(struct.pack(">I", len(encoded_topic)))
    digest.update(encoded_topic)
    digest.update(struct.pack(">I", len(state)))
    digest.update(state)
    return digest.digest()
