"""Extraction: batches committed with their position, so nothing is lost or doubled; another
store's facts are never mixed in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from pilot_history import PILOT

from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.domain.ids import enrolment_id
from ledger.storage.sqlite import LedgerSQLiteRecorder
from ledger.storage.sqlite_reader import SQLiteReader
from projections.extract import catch_up
from projections.facts import FactStore
from projections.service import Projections


class Breaking(SQLiteReader):
    """A reader whose `fail_at`-th batch holds an event the facts cannot take."""

    def __init__(self, store: LedgerSQLiteRecorder, fail_at: int):
        super().__init__(store.reader_uri(), store.events_table_name)
        self.reads = 0
        self.fail_at = fail_at

    def arrow(self, after: int, limit: int) -> pa.Table:
        self.reads += 1
        batch = super().arrow(after, limit)
        if self.reads == self.fail_at:
            states = batch.column("state").to_pylist()
            states[-1] = states[-1].replace('"effective_date"', '"effective_day"')
            index = batch.schema.get_field_index("state")
            batch = batch.set_column(index, "state", pa.array(states, pa.string()))
        return batch


class RowByRow(SQLiteReader):
    """A reader that reads every batch the careful way."""

    def arrow(self, after: int, limit: int) -> pa.Table:
        return self.arrow_by_rows(after, limit)


def sqlite_store(ledger: Ledger) -> LedgerSQLiteRecorder:
    assert isinstance(ledger.store, LedgerSQLiteRecorder)
    return ledger.store


def _ids(facts: FactStore) -> list[tuple[int, str]]:
    return facts.connection.execute(
        "SELECT position, event_id FROM facts ORDER BY position"
    ).fetchall()


def test_an_interrupted_update_resumes_without_losing_or_doubling(tmp_path: Path) -> None:
    ledger = open_ledger(str(tmp_path / "ledger.db"), create=True)
    ledger.record_dicts(PILOT, operator="t", historical=True)
    facts = FactStore.open(tmp_path / "p.duckdb")
    source = Breaking(sqlite_store(ledger), fail_at=3)
    with pytest.raises(duckdb.ConstraintException, match=r"NOT NULL"):
        catch_up(source, facts, store="s", batch_size=4)
    assert facts.position() == 8  # two batches of four made it, with their position
    assert [p for p, _ in _ids(facts)] == list(range(1, 9))
    assert catch_up(ledger.store.reader(), facts, store="s", batch_size=4) == len(PILOT) - 8
    assert catch_up(ledger.store.reader(), facts, store="s", batch_size=4) == 0
    assert [p for p, _ in _ids(facts)] == list(range(1, len(PILOT) + 1))
    facts.close()
    ledger.close()


def test_the_fast_read_and_the_row_by_row_read_extract_the_same_facts(
    tmp_path: Path,
) -> None:
    ledger = open_ledger(str(tmp_path / "ledger.db"), create=True)
    ledger.record_dicts(PILOT, operator="t", historical=True)
    fast, generic = FactStore.in_memory(), FactStore.in_memory()
    catch_up(ledger.store.reader(), fast, store="s", batch_size=5)
    store = sqlite_store(ledger)
    catch_up(RowByRow(store.reader_uri(), store.events_table_name), generic, store="s",
             batch_size=7)
    everything = "SELECT * FROM facts ORDER BY position"
    assert fast.connection.execute(everything).fetchall() == \
        generic.connection.execute(everything).fetchall()
    row = fast.connection.execute(
        "SELECT event, recorded_at, effective_date, programme, originator, district, sex, "
        "birth_date FROM facts WHERE position = 4"
    ).fetchone()
    assert row == ("BeneficiaryEnrolled", dt.datetime(2021, 6, 18, 2, 0, tzinfo=dt.UTC),
                   dt.date(2021, 6, 18), "mcw", enrolment_id("mcw", "B1"), "1703", "F",
                   dt.date(1995, 3, 10))
    ledger.close()


def test_a_file_of_another_stores_facts_is_rebuilt(tmp_path: Path) -> None:
    first = open_ledger(str(tmp_path / "first.db"), create=True)
    first.record_dicts(PILOT, operator="t", historical=True)
    second = open_ledger(str(tmp_path / "second.db"), create=True)
    second.record_dicts(PILOT[:5], operator="t", historical=True)
    shared = tmp_path / "shared.duckdb"
    with Projections.of_store(first.store, path=shared) as projections:
        assert projections.facts.count() == len(PILOT)
    with Projections.of_store(second.store, path=shared) as projections:
        assert [p for p, _ in _ids(projections.facts)] == [1, 2, 3, 4, 5]
    first.close()
    second.close()


def test_new_events_are_added_incrementally(tmp_path: Path) -> None:
    ledger = open_ledger(str(tmp_path / "ledger.db"), create=True)
    ledger.record_dicts(PILOT[:6], operator="t", historical=True)
    with Projections.of_store(ledger.store, path=tmp_path / "p.duckdb") as projections:
        assert projections.facts.count() == 6
        ledger.record_dicts(PILOT[6:], operator="t", historical=True)
        assert projections.update() == len(PILOT) - 6
        assert projections.update() == 0
        assert projections.facts.count() == len(PILOT)
    ledger.close()


def test_a_file_of_an_older_layout_is_rebuilt_in_the_new_one(tmp_path: Path) -> None:
    ledger = open_ledger(str(tmp_path / "ledger.db"), create=True)
    ledger.record_dicts(PILOT, operator="t", historical=True)
    path = tmp_path / "p.duckdb"
    facts = FactStore.open(path)
    catch_up(ledger.store.reader(), facts, store="s")
    # Layout 6 also copied each event's beneficiary id.
    facts.connection.execute("ALTER TABLE facts ADD COLUMN beneficiary VARCHAR")
    facts.connection.execute("UPDATE progress SET schema_version = schema_version - 1")
    facts.close()

    reopened = FactStore.open(path)
    assert reopened.position() == 0 and reopened.count() == 0  # the old rows are gone
    assert catch_up(ledger.store.reader(), reopened, store="s") == len(PILOT)
    assert [p for p, _ in _ids(reopened)] == list(range(1, len(PILOT) + 1))
    columns = {row[0] for row in reopened.connection.execute("DESCRIBE facts").fetchall()}
    assert "beneficiary" not in columns and {"originator", "event_id", "payment"} <= columns
    reopened.connection.execute("CHECKPOINT")
    stored = dict(reopened.connection.execute(
        "SELECT DISTINCT column_name, compression FROM pragma_storage_info('facts') "
        "WHERE column_name IN ('event_id', 'payment') AND segment_type = 'VARCHAR'"
    ).fetchall())
    assert stored == dict.fromkeys(("event_id", "payment"), "Uncompressed")
    reopened.close()
    ledger.close()
