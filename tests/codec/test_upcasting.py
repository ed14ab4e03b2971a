"""An event class can change: rows written before are read through the library's mapper, upcast.

The ledger's records live for decades. Here the payment event gains a field (`channel`): the
class says `class_version = 3` and how a version-2 state becomes a version-3 one (version 2 is
today's: every event gained who recorded it, tests/codec/test_old_rows.py). Rows recorded
before the change, by the real write path into a real store, stay byte for byte as they were,
and read back as the new class with the field the upcaster gives; rows written after it carry
their version and read back as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.utils import clear_topic_cache, get_topic, register_topic

from ledger.application import Ledger
from ledger.codec.encoder import stored_state
from ledger.domain.enrolment import Enrolment
from tests.application.eventlog import enrolled, paid, pilot, record

TOPIC = get_topic(Enrolment.PaymentRecorded)


class PaymentRecorded(Enrolment.PaymentRecorded):
    """The payment event one change later: it says how the money reached the beneficiary."""

    __module__ = "ledger.domain.enrolment"  # the class changed in place: same topic
    __qualname__ = "Enrolment.PaymentRecorded"
    class_version = 3
    channel: str

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["channel"] = "cash"  # every payment before the change was handed over in cash


def change_the_payment_event() -> None:
    """The software changes: from here on the stored topic of payments resolves to the new class."""
    clear_topic_cache()
    register_topic(TOPIC, PaymentRecorded)


@pytest.fixture(autouse=True)
def _restore_the_payment_event() -> Iterator[None]:
    yield
    clear_topic_cache()


def payments(ledger: Ledger) -> list[Any]:
    return [e for _, e in ledger.stored_events() if isinstance(e, Enrolment.PaymentRecorded)]


def test_rows_written_before_the_change_are_read_as_the_new_version(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1"), paid("B-1", "P-1"), paid("B-1", "P-2", on="2021-09-12"))
    before = ledger.store.read_rows(0, 100)
    old = payments(ledger)
    change_the_payment_event()

    new = payments(ledger)

    assert [type(e) for e in new] == [PaymentRecorded, PaymentRecorded]
    assert [e.channel for e in new] == ["cash", "cash"]
    assert [{k: v for k, v in vars(e).items() if k != "channel"} for e in new] == \
        [vars(e) for e in old]
    assert ledger.store.read_rows(0, 100) == before
    assert all(row[4].endswith(b',"class_version":2}') for row in before)


def test_rows_written_after_the_change_carry_their_version(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1"), paid("B-1", "P-1"))
    change_the_payment_event()
    (upcast,) = payments(ledger)
    later = object.__new__(PaymentRecorded)
    object.__setattr__(later, "__dict__", {**vars(upcast), "payment": "P-2", "channel": "mobile",
                                           "originator_version": upcast.originator_version + 1})
    topic, state = stored_state(later)
    with ledger.store.writing() as session:
        (position,) = session.append([(later.originator_id.hex, later.originator_version, topic,
                                       state)])

    assert topic == TOPIC and state.endswith(b',"channel":"mobile","class_version":3}')
    assert [(e.payment, e.channel) for e in payments(ledger)] == [("P-1", "cash"), ("P-2", "mobile")]
    assert ledger.store.read_rows(position - 1, 1)[0][4] == state
