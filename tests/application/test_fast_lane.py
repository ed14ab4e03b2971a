"""The fast lane (events checked against an enrolment's tail) and the slow lane (the whole
aggregate) are one ledger: for random histories they record the same rows, byte for byte, and
refuse the same lines with the same reasons.

Each history is recorded twice, into two new ledgers: once as the ledger records it, once with
the fast lane switched off. Windows of a few lines, and tiny caches of tails and whole
aggregates, make every batch cross windows (whose events are written in the background while
the next are checked) and rebuild evicted timelines from the store and the unwritten rows.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_property import PROGRAMMES, Checker, Draws, Line, line_for

from ledger import batch, timelines
from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.errors import BatchRefused

Outcome = tuple[str, tuple[Any, ...]]
NOW = dt.datetime(2021, 2, 1, 9, 0, tzinfo=dt.UTC)  # both ledgers' clock, so rows compare


@contextmanager
def small_windows() -> Iterator[None]:
    with mock.patch.object(batch, "WINDOW", 3), \
            mock.patch.object(timelines, "TAIL_CAPACITY", 4), \
            mock.patch.object(timelines, "WHOLE_CAPACITY", 2):
        yield


def record(ledger: Ledger, lines: list[Line], *, fast: bool) -> Outcome:
    with small_windows(), mock.patch.dict(batch._FAST), \
            mock.patch.object(Ledger, "now", lambda _: NOW):
        if not fast:
            batch._FAST.clear()
        try:
            receipt = ledger.record_dicts(lines, operator="hypothesis")
        except BatchRefused as refusal:
            return "refused", tuple(str(r) for r in refusal.refusals)
    return "recorded", (tuple(e.event_id for e in receipt.events), receipt.already_recorded)


def stored(path: Path) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(path)
    try:
        return [
            *connection.execute("SELECT rowid, originator_id, originator_version, topic, state "
                                "FROM stored_events ORDER BY rowid"),
            *connection.execute("SELECT position, digest FROM ledger_chain ORDER BY position"),
            *connection.execute("SELECT key, originator_id, digest FROM ledger_keys ORDER BY key"),
            *connection.execute("SELECT * FROM ledger_placements ORDER BY 1, 2, 3"),
        ]
    finally:
        connection.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_both_lanes_record_the_same_rows_and_refuse_with_the_same_reasons(
    data: st.DataObject,
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        paths = Path(directory) / "fast.db", Path(directory) / "slow.db"
        fast, slow = (open_ledger(str(p), create=True) for p in paths)
        try:
            checker, draws = Checker(), Draws()
            opening = [*({"event": "ProgrammeRegistered", "effective_date": "2021-01-01",
                          "programme": code, "name": code.title(), "benefit": benefit}
                         for code, benefit in PROGRAMMES.items()),
                       *({"event": "DistrictExpanded", "effective_date": "2021-01-01",
                          "programme": code, "district": district}
                         for code in PROGRAMMES for district in ("1703", "1306"))]
            outcome = record(fast, opening, fast=True)
            assert outcome == record(slow, opening, fast=False)
            checker.accept(opening, list(outcome[1][0]))
            for _ in range(data.draw(st.integers(3, 25), label="batches")):
                lines: list[Line] = []
                for _ in range(data.draw(st.integers(1, 12), label="lines in batch")):
                    lines.append(line_for(data, checker, draws, lines))
                outcome = record(fast, lines, fast=True)
                assert outcome == record(slow, lines, fast=False), lines
                if outcome[0] == "recorded":
                    recorded_ids = list(outcome[1][0])
                    _, to_record, _ = checker.check_batch(lines)
                    if len(to_record) == len(recorded_ids):
                        checker.accept(to_record, recorded_ids)
                    else:  # the checker and the ledger disagree: test_property.py's business
                        break
        finally:
            fast.close()
            slow.close()
        assert stored(paths[0]) == stored(paths[1])


def test_the_fast_lane_takes_the_common_events(tmp_path: Path) -> None:
    """Enrolments, payments, transfers and exits that sort last never reach the aggregate."""
    ledger = open_ledger(str(tmp_path / "ledger.db"), create=True)
    lines: list[Line] = [
        {"event": "ProgrammeRegistered", "effective_date": "2021-01-01", "programme": "cash",
         "name": "Cash", "benefit": "cash"},
        *({"event": "DistrictExpanded", "effective_date": "2021-01-01", "programme": "cash",
           "district": d} for d in ("1703", "1306")),
        {"event": "BeneficiaryEnrolled", "effective_date": "2021-01-02", "programme": "cash",
         "beneficiary": "B1", "district": "1703", "sex": "F"},
        {"event": "PaymentRecorded", "effective_date": "2021-01-03", "programme": "cash",
         "beneficiary": "B1", "payment": "P1", "amount": "10", "period": "2021-01"},
        {"event": "BeneficiaryTransferred", "effective_date": "2021-01-04", "programme": "cash",
         "beneficiary": "B1", "district": "1306"},
        {"event": "BeneficiaryExited", "effective_date": "2021-01-05", "programme": "cash",
         "beneficiary": "B1", "reason": "graduated"},
    ]
    slow_lane = mock.Mock(side_effect=AssertionError("the slow lane was asked"))
    with mock.patch.dict(batch._HANDLERS, dict.fromkeys(batch._FAST, slow_lane)):
        receipt = ledger.record_dicts(lines, operator="test")
    ledger.close()
    assert receipt.count == len(lines)
    slow_lane.assert_not_called()
