"""Stored events back to domain events, through the library's mapper.

The mapper resolves the event class from the topic, decodes the state with the ledger's
transcoder and, when the class's `class_version` is above the version the state was written
with (none written: 1), calls `upcast_v1_v2`, `upcast_v2_v3`, … on the state first: so an event
class can change while the rows written before it stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import cast
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from ledger.codec.transcoder import transcoder
from ledger.domain.timeline import Timeline
from ledger.storage.session import LedgerStore, Row


@cache
def mapper() -> Mapper[UUID]:
    """The library's mapper with the ledger's transcoder; no cipher and no compressor, since the
    encoder (ledger/codec/encoder.py) writes the plain JSON the mapper would."""
    return Mapper(transcoder=transcoder())


def decode(stored: StoredEvent) -> Timeline.Event:
    """The domain event of a stored event (upcast to its class's current version)."""
    return cast(Timeline.Event, mapper().to_domain_event(stored))


def decode_row(row: Row) -> Timeline.Event:
    """The domain event of a stored row as read in bulk."""
    _, originator_hex, version, topic, state = row
    return decode(StoredEvent(UUID(hex=originator_hex), version, topic, bytes(state)))


def stored_events(store: LedgerStore, after: int = 0) -> Iterator[tuple[int, Timeline.Event]]:
    """Every stored event after position `after`, decoded, with its position, in position order."""
    for rows in store.iter_rows(after):
        for row in rows:
            yield row[0], decode_row(row)
