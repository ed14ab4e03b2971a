"""`verify` covers the side tables imports rely on: a key or placement deleted, or added, by
hand-written SQL is named, on both stores — so idempotency cannot be quietly defeated."""

from __future__ import annotations

import json

from audit_support import RawStore, record_pilot
from click.testing import CliRunner

from cli.main import cli
from ledger.application import Ledger
from ledger.audit.verify import verify


def _payment(ledger: Ledger) -> tuple[str, str, int]:
    """The first stored payment's event id, payment key and position."""
    for position in range(1, ledger.store.max_position() + 1):
        rows = ledger.store.read_rows(position - 1, 1)
        if rows[0][3].endswith(".PaymentRecorded"):
            state = json.loads(rows[0][4])
            key = f"payment:{state['programme']}:{state['payment']}"
            return state["event_id"], key, position
    raise AssertionError("the pilot history has a payment")


def test_a_clean_ledger_has_whole_side_tables(ledger: Ledger) -> None:
    record_pilot(ledger)
    result = verify(ledger.store)
    assert result.ok
    assert [t.table for t in result.tables] == ["ledger_keys", "ledger_placements"]
    assert all(t.missing == 0 and t.extra == 0 for t in result.tables)


def test_deleted_keys_are_named_with_the_event_that_implies_them(ledger: Ledger,
                                                                 store_url: str) -> None:
    record_pilot(ledger)
    event_id, payment_key, position = _payment(ledger)
    RawStore(store_url).run("DELETE FROM ledger_keys WHERE key IN (?, ?)",
                            ("id:" + event_id, payment_key))
    result = verify(ledger.store)
    assert not result.ok and result.damaged == 0  # the chain itself is intact
    keys = result.tables[0]
    assert (keys.missing, keys.extra) == (2, 0)
    assert set(keys.first_missing) == {("id:" + event_id, position), (payment_key, position)}


def test_verify_exits_non_zero_naming_the_side_table(ledger: Ledger, store_url: str) -> None:
    record_pilot(ledger)
    RawStore(store_url).run("DELETE FROM ledger_keys")
    result = CliRunner().invoke(cli, ["--store", store_url, "verify"])
    assert result.exit_code == 1
    assert "DAMAGED: ledger_keys:" in result.stdout
    assert "side tables were changed behind its back (ledger_keys)" in result.stderr


def test_an_added_key_is_counted(ledger: Ledger, store_url: str) -> None:
    record_pilot(ledger)
    originator = ledger.store.read_rows(0, 1)[0][1]
    raw = RawStore(store_url)
    if raw.postgres:
        originator = f"{originator[:8]}-{originator[8:12]}-{originator[12:16]}-" \
                     f"{originator[16:20]}-{originator[20:]}"
    raw.run("INSERT INTO ledger_keys (key, originator_id, digest) VALUES (?, ?, ?)",
            ("payment:mcw:FORGED", originator, "x"))
    keys = verify(ledger.store).tables[0]
    assert (keys.missing, keys.extra) == (0, 1)


def test_a_deleted_placement_is_named(ledger: Ledger, store_url: str) -> None:
    record_pilot(ledger)
    raw = RawStore(store_url)
    raw.run("DELETE FROM ledger_placements WHERE district = ?", ("1703",))
    placements = verify(ledger.store).tables[1]
    assert placements.missing > 0 and placements.extra == 0
    assert all(" 1703 " in row for row, _ in placements.first_missing)
