"""`verify` finds every kind of damage done with raw SQL behind the ledger's back, on both stores,
and names the first damaged position."""

from __future__ import annotations

from audit_support import EVENTS, RawStore, record_pilot

from ledger.application import Ledger
from ledger.audit.verify import verify


def _recorded(ledger: Ledger, store_url: str) -> RawStore:
    record_pilot(ledger)
    assert ledger.store.max_position() == EVENTS
    return RawStore(store_url)


def test_a_clean_ledger_verifies(ledger: Ledger) -> None:
    record_pilot(ledger)
    result = verify(ledger.store)
    assert result.ok
    assert result.events == EVENTS
    assert result.head is not None and result.head.position == EVENTS
    assert result.first is None


def test_an_empty_ledger_verifies(ledger: Ledger) -> None:
    result = verify(ledger.store)
    assert result.ok and result.events == 0 and result.head is None


def test_verification_reads_in_batches(ledger: Ledger) -> None:
    record_pilot(ledger)
    assert verify(ledger.store, batch=3).ok


def test_an_altered_state_byte_is_found(ledger: Ledger, store_url: str) -> None:
    raw = _recorded(ledger, store_url)
    raw.alter_state(8, b'"300000.00"', b'"900000.00"')
    result = verify(ledger.store)
    assert not result.ok
    assert result.first is not None
    assert (result.first.position, result.first.kind) == (8, "altered")
    assert result.damaged == 1


def test_a_deleted_event_is_found(ledger: Ledger, store_url: str) -> None:
    raw = _recorded(ledger, store_url)
    raw.delete(5)
    result = verify(ledger.store)
    assert result.first is not None
    assert (result.first.position, result.first.kind) == (5, "deleted")
    assert result.damaged == 1
    assert result.events == EVENTS - 1


def test_deleted_last_events_are_found(ledger: Ledger, store_url: str) -> None:
    raw = _recorded(ledger, store_url)
    raw.delete(EVENTS)
    raw.delete(EVENTS - 1)
    result = verify(ledger.store)
    assert [(d.position, d.kind) for d in result.damage] == [
        (EVENTS - 1, "deleted"), (EVENTS, "deleted"),
    ]


def test_every_event_deleted_is_found(ledger: Ledger, store_url: str) -> None:
    raw = _recorded(ledger, store_url)
    for position in range(1, EVENTS + 1):
        raw.delete(position)
    result = verify(ledger.store)
    assert result.damaged == EVENTS and result.events == 0
    assert result.first is not None and result.first.position == 1


def test_an_event_deleted_with_its_link_is_found(ledger: Ledger, store_url: str) -> None:
    raw = _recorded(ledger, store_url)
    raw.delete(4)
    raw.delete_link(4)
    result = verify(ledger.store)
    assert result.first is not None
    assert (result.first.position, result.first.kind) == (4, "deleted")
    assert result.damaged == 1


def test_a_forged_event_is_found(ledger: Ledger, store_url: str) -> None:
    raw = _recorded(ledger, store_url)
    raw.insert_forged(like=4)
    result = verify(ledger.store)
    assert result.first is not None
    assert (result.first.position, result.first.kind) == (EVENTS + 1, "inserted")


def test_a_forged_event_in_place_of_a_deleted_one_is_found(ledger: Ledger, store_url: str) -> None:
    raw = _recorded(ledger, store_url)
    raw.delete(6)
    raw.delete_link(6)
    raw.insert_forged(like=4, at=6)
    result = verify(ledger.store)
    assert result.first is not None
    assert (result.first.position, result.first.kind) == (6, "inserted")
    assert result.damaged == 1


def test_swapped_events_are_found(ledger: Ledger, store_url: str) -> None:
    raw = _recorded(ledger, store_url)
    raw.swap(7, 9)
    result = verify(ledger.store)
    assert [(d.position, d.kind) for d in result.damage] == [(7, "reordered"), (9, "reordered")]
    assert "stored at position 9" in result.damage[0].detail
    assert "swapped with position 7" in result.damage[1].detail


def test_events_appended_after_damage_do_not_hide_it(ledger: Ledger, store_url: str) -> None:
    raw = _recorded(ledger, store_url)
    raw.alter_state(4, b'"1995-03-02"', b'"1995-03-03"')
    ledger.record_dicts(
        [{"event": "DistrictExpanded", "effective_date": "2022-02-01", "programme": "mcw",
          "district": "1701"}],
        operator="tests",
    )
    result = verify(ledger.store)
    assert result.first is not None and result.first.position == 4
    assert result.damaged == 1
    assert result.events == EVENTS + 1


def test_damage_across_batch_boundaries_is_named_the_same(ledger: Ledger, store_url: str) -> None:
    raw = _recorded(ledger, store_url)
    raw.swap(7, 9)
    raw.delete(12)
    expected = [(7, "reordered"), (9, "reordered"), (12, "deleted")]
    for batch in (2, 3, 4, 5, 50_000):
        result = verify(ledger.store, batch=batch)
        assert [(d.position, d.kind) for d in result.damage] == expected, batch
        assert result.events == EVENTS - 1


def test_every_way_of_reading_events_with_their_links_agrees(ledger: Ledger, store_url: str) -> None:
    raw = _recorded(ledger, store_url)
    raw.insert_forged(like=4)
    raw.delete_link(3)
    with ledger.store.reader() as reader:
        rows = reader.chained(0, 100)
        links = {link.position: link.digest for link in reader.links(0, 100)}
        assert rows == [(*row, links.get(row[0])) for row in reader.rows(0, 100)]
        assert [r[0] for r in rows] == list(range(1, EVENTS + 2))
        assert rows[2][5] is None and rows[-1][5] is None
