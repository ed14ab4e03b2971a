"""Who recorded each event is proven by the store, not declared (SPEC §12): `recorded_by` is the
OS user on SQLite and the login (`session_user`) on PostgreSQL; no live input sets it. A restore
(`import --historical`) keeps the restored line's, adds the true append time and the restorer,
and may not claim a recorded time before the latest signed checkpoint."""

from __future__ import annotations

import datetime as dt
import json
import os
import pwd
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from eventlog import (
    OPERATOR,
    SANAMXAY,
    enrolled,
    expanded,
    only,
    paid,
    pilot,
    record,
    refused,
    registered,
)

from ledger.application import Ledger
from ledger.audit import note
from ledger.audit.checkpoint import make_checkpoint
from ledger.audit.entry import describe
from ledger.audit.history import Subject, Window, history
from ledger.interchange.writer import write_events

JUNE = "2021-06-21T10:00:00+07:00"
AUGUST = "2021-08-20T16:45:30+07:00"


@pytest.fixture
def login(ledger: Ledger, store_url: str) -> str:
    """Who the store should say appended: the OS user (SQLite), the URL's login (PostgreSQL)."""
    if ledger.store.kind == "sqlite":
        return pwd.getpwuid(os.geteuid()).pw_name
    return str(urlparse(store_url).username)


def events(ledger: Ledger) -> list[Any]:
    return [event for _, event in ledger.stored_events()]


def test_every_event_recorded_live_carries_who_the_store_says_appended_it(
    ledger: Ledger, login: str
) -> None:
    record(ledger, *pilot())
    record(ledger, enrolled("B-1", operator="declared-name"))

    stored = events(ledger)
    assert {e.recorded_by for e in stored} == {login}
    assert [e.operator for e in stored] == [OPERATOR] * 3 + ["declared-name"]
    assert {(e.appended_at, e.appended_by) for e in stored} == {(None, None)}


def test_a_line_that_says_who_recorded_it_is_refused_without_historical(ledger: Ledger) -> None:
    record(ledger, *pilot())

    refusal = only(refused(ledger, enrolled("B-1", recorded_by="someone-else")))

    assert refusal.field == "recorded_by"
    assert "only by `import --historical`" in refusal.reason
    assert str(refusal).startswith("<input>:1: recorded_by: ")


def test_a_restore_keeps_who_recorded_each_line_and_adds_when_and_by_whom_it_was_appended(
    ledger: Ledger, login: str,
) -> None:
    before = dt.datetime.now(dt.UTC)
    record(ledger, registered(recorded_at=JUNE, recorded_by="vte_ops"),
           expanded(SANAMXAY, recorded_at=JUNE), historical=True)

    first, second = events(ledger)
    assert (first.recorded_by, second.recorded_by) == ("vte_ops", None)
    assert first.timestamp == dt.datetime.fromisoformat(JUNE)
    for event in (first, second):
        assert event.appended_by == login
        assert event.appended_at >= before


def test_history_shows_who_recorded_and_when_a_restored_event_was_really_appended(
    ledger: Ledger, login: str,
) -> None:
    record(ledger, *[{**line, "recorded_at": JUNE} for line in pilot()], historical=True)
    record(ledger, enrolled("B-1"))

    entries = history(ledger.store, Subject(programme="mcw"), Window())

    restored, live = entries[0], entries[-1]
    assert restored.recorded_at == dt.datetime.fromisoformat(JUNE)
    assert restored.appended_at is not None and restored.appended_at > restored.recorded_at
    assert (restored.recorded_by, restored.appended_by) == (None, login)
    assert (live.recorded_by, live.appended_at, live.appended_by) == (login, None, None)
    row = describe(1, events(ledger)[0]).as_row()
    assert list(row)[2:4] == ["recorded_at", "appended_at"]


def test_export_writes_who_recorded_and_a_restore_of_it_keeps_it(
    ledger: Ledger, twin: Ledger, tmp_path: Path, login: str
) -> None:
    record(ledger, *[{**line, "recorded_at": JUNE} for line in pilot()], historical=True)
    record(ledger, enrolled("B-1"), paid("B-1", "P-1"))
    path = tmp_path / "ledger.jsonl"
    write_events(path, ledger.stored_events(), known_at=None)

    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line.get("recorded_by") for line in lines] == [None] * 3 + [login] * 2
    assert all("appended_at" not in line and "appended_by" not in line for line in lines)

    twin.import_file(path, operator="auditor", historical=True)
    again = tmp_path / "again.jsonl"
    write_events(again, twin.stored_events(), known_at=None)
    assert again.read_bytes() == path.read_bytes()


def test_a_restore_may_not_claim_a_time_before_the_latest_checkpoint(ledger: Ledger) -> None:
    record(ledger, *[{**line, "recorded_at": JUNE} for line in pilot()], historical=True)
    made = dt.datetime.fromisoformat("2021-07-01T09:00:00+07:00")
    make_checkpoint(ledger.store, note.generate("test/audit"), now=made)

    refusal = only(refused(ledger, enrolled("B-1", recorded_at="2021-06-30T23:00:00+07:00"),
                           historical=True))

    assert refusal.field == "recorded_at"
    assert "checkpoint #1" in refusal.reason and made.isoformat() in refusal.reason
    assert str(refusal).startswith("<input>:1: recorded_at: 2021-06-30T23:00:00+07:00 is before")
    record(ledger, enrolled("B-1", recorded_at=AUGUST), historical=True)  # after it: fine
