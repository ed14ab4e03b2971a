"""A ledger recorded before events carried who recorded them (class version 1) still verifies
and reads: its rows stay byte for byte as they were, and read back with `recorded_by`,
`appended_at` and `appended_by` unknown (None); new events beside them carry version 2.

`data/v1_rows.json` holds the stored rows of a small history as the ledger wrote them before
the change (programme, coverage, enrolments, payments, a transfer, a reversal, a retraction, an
exit), made with the real write path at that commit.
"""

from __future__ import annotations

import json
from pathlib import Path

from ledger.application import Ledger
from ledger.audit.history import Subject, history
from ledger.audit.verify import verify
from ledger.interchange.writer import to_interchange
from ledger.storage.session import NewEvent
from tests.application.eventlog import enrolled, record

ROWS = json.loads((Path(__file__).parent / "data" / "v1_rows.json").read_text(encoding="utf-8"))


def restore_v1_rows(ledger: Ledger) -> list[NewEvent]:
    """The old rows, appended (and chained) as they were stored."""
    rows: list[NewEvent] = [(r["originator"], r["version"], r["topic"], r["state"].encode())
                            for r in ROWS]
    with ledger.store.writing() as session:
        session.append(rows)
    return rows


def test_rows_written_before_events_carried_who_recorded_them_verify_and_read(
    ledger: Ledger,
) -> None:
    rows = restore_v1_rows(ledger)

    assert all(b"recorded_by" not in row[3] and b"class_version" not in row[3] for row in rows)
    assert verify(ledger.store).damaged == 0
    events = [event for _, event in ledger.stored_events()]
    assert len(events) == len(ROWS) == 11
    assert {(e.recorded_by, e.appended_at, e.appended_by) for e in events} == {(None, None, None)}
    assert [e.operator for e in events][:1] == ["vientiane-clerk"]
    assert [bytes(r[4]) for r in ledger.store.read_rows(0, 100)] == [row[3] for row in rows]


def test_old_rows_export_without_recorded_by_and_show_as_unknown_in_history(
    ledger: Ledger,
) -> None:
    restore_v1_rows(ledger)

    lines = [to_interchange(event) for _, event in ledger.stored_events()]
    trail = history(ledger.store, Subject(beneficiary="B-1"))

    assert all("recorded_by" not in line for line in lines)
    assert trail and {(e.recorded_by, e.appended_at) for e in trail} == {(None, None)}


def test_new_events_beside_old_rows_carry_their_version_and_who_recorded_them(
    ledger: Ledger,
) -> None:
    restore_v1_rows(ledger)

    record(ledger, enrolled("B-3", "1306", on="2021-09-01"))

    (state,) = [bytes(r[4]) for r in ledger.store.read_rows(len(ROWS), 1)]
    assert state.endswith(b',"class_version":2}') and b'"recorded_by":"' in state
    assert verify(ledger.store).damaged == 0
