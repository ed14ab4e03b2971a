"""`verify`'s fast link computation is byte for byte the chain's own."""

from __future__ import annotations

from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from ledger.audit.digest import row_link
from ledger.storage.chain import GENESIS, link


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
