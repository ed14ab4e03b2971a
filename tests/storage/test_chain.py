"""The chain link the store writes is the one its definition gives, for arbitrary rows."""

from __future__ import annotations

import hashlib
import struct
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from ledger.storage.chain import GENESIS, row_link


def link(previous: bytes, position: int, originator_id: UUID, version: int, topic: str,
         state: bytes) -> bytes:
    """The link as docs/audit.md defines it, field by field."""
    digest = hashlib.sha256(previous)
    digest.update(struct.pack(">QQ", position, version))
    digest.update(originator_id.bytes)
    encoded_topic = topic.encode("utf-8")
    digest.update(struct.pack(">I", len(encoded_topic)))
    digest.update(encoded_topic)
    digest.update(struct.pack(">I", len(state)))
    digest.update(state)
    return digest.digest()


@given(
    previous=st.one_of(st.just(GENESIS), st.binary(min_size=32, max_size=32)),
    position=st.integers(1, 2**63 - 1),
    originator=st.uuids(),
    version=st.integers(0, 2**63 - 1),
    topic=st.text(max_size=80),
    state=st.binary(max_size=600),
    elsewhere=st.integers(1, 2**40),
)
def test_row_link_is_the_chain_link(previous: bytes, position: int, originator: UUID,
                                    version: int, topic: str, state: bytes,
                                    elsewhere: int) -> None:
    row = (position, originator.hex, version, topic, state)
    assert row_link(previous, row) == link(previous, position, originator, version, topic, state)
    assert row_link(previous, row, elsewhere) == link(previous, elsewhere, originator, version,
                                                      topic, state)
