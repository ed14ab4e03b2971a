"""The day an event is recorded on is read off its stored time, live and on restore alike.

With the machine on Lao time, an event recorded between 00:00 and 07:00 local time with today's
date as its effective date used to be stored in UTC — the previous day — so restoring the export
refused it under rule 9. The recorded time now keeps its zone's offset.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger import application
from ledger.audit.export_head import export_with_head
from ledger.bootstrap import open_ledger
from ledger.errors import BatchRefused

VIENTIANE = dt.timezone(dt.timedelta(hours=7))
EARLY_MORNING = dt.datetime(2025, 3, 4, 1, 30, tzinfo=VIENTIANE)  # 2025-03-03 18:30 UTC


@pytest.fixture
def lao_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Asia/Vientiane")
    time.tzset()
    # The machine's clock stopped at 01:30 in Vientiane (18:30 UTC the day before).
    monkeypatch.setattr(application, "utc_now", lambda: EARLY_MORNING.astimezone(dt.UTC))
    yield
    monkeypatch.undo()
    time.tzset()


def test_an_export_made_in_lao_time_before_dawn_restores(
    lao_time: None, store_url: str, tmp_path: Path
) -> None:
    ledger = open_ledger(store_url, create=True)
    ledger.record_dicts([{"event": "ProgrammeRegistered", "effective_date": "2025-03-04",
                          "programme": "mcw", "name": "MCW", "benefit": "cash"}], operator="op")
    (_, event), = ledger.stored_events()
    assert event.timestamp == EARLY_MORNING
    assert event.timestamp.utcoffset() == dt.timedelta(hours=7)
    export = tmp_path / "backup.jsonl"
    export_with_head(ledger.store, export, known_at=None)
    ledger.close()
    assert '"recorded_at":"2025-03-04T01:30:00+07:00"' in export.read_text()

    restored = open_ledger(str(tmp_path / "restored.db"), create=True)
    receipt = restored.import_file(export, operator="op", historical=True)

    assert receipt.count == 1
    (_, again), = restored.stored_events()
    assert again.timestamp == event.timestamp
    restored.close()


def test_a_date_after_the_local_recording_day_is_still_refused(
    lao_time: None, sqlite_url: str
) -> None:
    ledger = open_ledger(sqlite_url, create=True)
    with pytest.raises(BatchRefused) as refused:
        ledger.record_dicts([{"event": "ProgrammeRegistered", "effective_date": "2025-03-05",
                              "programme": "mcw", "name": "MCW", "benefit": "cash"}],
                            operator="op")
    assert "is after the day it is recorded" in str(refused.value.refusals[0])
    ledger.close()
