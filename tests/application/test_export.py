"""Export writes the ledger as event log v1; `import --historical` of it into an empty store
reproduces the ledger exactly, so exporting again gives the same bytes."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

from eventlog import (
    NONG,
    OPERATOR,
    SANAMXAY,
    XAYSETTHA,
    enrolled,
    exited,
    expanded,
    paid,
    record,
    registered,
    retracted,
    reversed_,
    transferred,
    withdrawn,
)

from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.interchange.writer import write_events

JUNE = "2021-06-21T10:00:00+07:00"
AUGUST = "2021-08-20T16:45:30.250000+07:00"
JANUARY = "2022-01-05T08:00:00+07:00"


def record_pilot_history(ledger: Ledger) -> None:
    """Three historical batches (June, August, January), then corrections recorded today."""
    record(ledger,
           registered(id="mcw-registered", on="2021-06-01", recorded_at=JUNE),
           registered("school-meals", benefit="in-kind", name="School meals ອາຫານ",
                      on="2021-06-01", recorded_at=JUNE),
           expanded(SANAMXAY, id="sanamxay-expanded", recorded_at=JUNE),
           expanded(NONG, recorded_at=JUNE),
           expanded(XAYSETTHA, programme="school-meals", recorded_at=JUNE),
           enrolled("B-1", SANAMXAY, birth_date="2021-03-02", household="HH-17", recorded_at=JUNE,
                    note="ແມ່ ແລະ ເດັກ — first of the pilot"),
           enrolled("B-2", NONG, id="b2-enrolled", recorded_at=JUNE),
           enrolled("C-1", XAYSETTHA, programme="school-meals", sex="M", recorded_at=JUNE),
           historical=True)
    record(ledger,
           paid("B-1", "P-2021-08-0001", id="p1", amount="300000", recorded_at=AUGUST),
           paid("B-2", "P-2021-08-0002", id="p2", amount=300000, recorded_at=AUGUST,
                operator="nong-officer"),
           transferred("B-1", NONG, on="2021-08-20", recorded_at=AUGUST),
           historical=True)
    record(ledger,
           reversed_("P-2021-08-0001", on="2021-09-01", recorded_at=JANUARY),
           exited("B-2", on="2021-12-31", reason="moved-away", recorded_at=JANUARY),
           exited("C-1", programme="school-meals", on="2021-12-31", reason="graduated",
                  recorded_at=JANUARY),
           withdrawn(XAYSETTHA, programme="school-meals", on="2022-01-01", recorded_at=JANUARY),
           historical=True)
    record(ledger, retracted("p2", reason="paid to the wrong household"),
           paid("B-1", "P-2021-10-0001", on="2021-10-12", amount="300000.50"))


def export(ledger: Ledger, path: Path, known_at: dt.datetime | None = None) -> int:
    return write_events(path, ledger.stored_events(), known_at=known_at)


def test_export_then_historical_import_into_an_empty_store_reproduces_the_ledger(
    ledger: Ledger, twin: Ledger, tmp_path: Path
) -> None:
    record_pilot_history(ledger)
    first = tmp_path / "ledger.jsonl"
    exported = export(ledger, first)

    receipt = twin.import_file(first, operator="auditor", historical=True)
    second = tmp_path / "again.jsonl"
    export(twin, second)

    assert exported == receipt.count == ledger.store.max_position() == 17
    assert second.read_bytes() == first.read_bytes()


def test_the_export_holds_retractions_reversals_notes_and_who_recorded_what(
    ledger: Ledger, tmp_path: Path
) -> None:
    record_pilot_history(ledger)
    path = tmp_path / "ledger.jsonl"
    export(ledger, path)

    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    by_event = {line["event"]: line for line in lines}
    assert by_event["EventRetracted"]["retracts"] == "p2"
    assert by_event["PaymentReversed"]["payment"] == "P-2021-08-0001"
    assert lines[5]["note"] == "ແມ່ ແລະ ເດັກ — first of the pilot"
    assert {line["operator"] for line in lines} == {OPERATOR, "nong-officer"}
    assert [line["recorded_at"] for line in lines[:9]] == [JUNE] * 8 + [AUGUST]


def test_each_exported_line_is_compact_utf8_with_the_envelope_first(
    ledger: Ledger, tmp_path: Path
) -> None:
    record_pilot_history(ledger)
    path = tmp_path / "ledger.jsonl"
    export(ledger, path)

    first, second = path.read_bytes().split(b"\n")[:2]
    assert first == (
        b'{"event":"ProgrammeRegistered","effective_date":"2021-06-01","id":"mcw-registered",'
        b'"recorded_at":"2021-06-21T10:00:00+07:00","operator":"vientiane-clerk",'
        b'"programme":"mcw","name":"Mother and Early Childhood Grant","benefit":"cash",'
        b'"currency":"LAK"}'
    )
    assert '"name":"School meals ອາຫານ"'.encode() in second
    assert b'"currency"' not in second  # an in-kind programme has none


def test_an_export_of_events_recorded_by_the_clock_restores_too(
    ledger: Ledger, twin: Ledger, tmp_path: Path
) -> None:
    record(ledger, registered(id="mcw-registered"), expanded(SANAMXAY))
    record(ledger, enrolled("B-1", SANAMXAY), paid("B-1", "P-1"))
    record(ledger, reversed_("P-1", on="2021-08-13"))
    first = tmp_path / "ledger.jsonl.gz"
    export(ledger, first)

    twin.import_file(first, operator="auditor", historical=True)
    second = tmp_path / "again.jsonl.gz"
    export(twin, second)

    assert _lines(second) == _lines(first)
    assert len(_lines(first)) == 5


def test_restoring_the_same_export_twice_records_nothing_the_second_time(
    ledger: Ledger, twin: Ledger, tmp_path: Path
) -> None:
    record_pilot_history(ledger)
    path = tmp_path / "ledger.jsonl"
    export(ledger, path)
    twin.import_file(path, operator="auditor", historical=True)

    again = twin.import_file(path, operator="auditor", historical=True)

    assert (again.count, again.already_recorded) == (0, 17)


def test_known_at_exports_only_what_was_recorded_by_then(ledger: Ledger, tmp_path: Path) -> None:
    record_pilot_history(ledger)
    august = dt.datetime.fromisoformat(AUGUST)

    at_august = export(ledger, tmp_path / "august.jsonl", known_at=august)
    just_before = export(ledger, tmp_path / "before.jsonl",
                         known_at=august - dt.timedelta(microseconds=1))
    in_utc = export(ledger, tmp_path / "utc.jsonl", known_at=august.astimezone(dt.UTC))

    assert (at_august, just_before, in_utc) == (11, 8, 11)
    times = {json.loads(line)["recorded_at"]
             for line in (tmp_path / "august.jsonl").read_text().splitlines()}
    assert times == {JUNE, AUGUST}


def test_a_known_at_export_restores_the_ledger_as_it_was_then(
    ledger: Ledger, twin: Ledger, tmp_path: Path
) -> None:
    record_pilot_history(ledger)
    january = dt.datetime.fromisoformat(JANUARY)
    first = tmp_path / "january.jsonl"
    export(ledger, first, known_at=january)

    twin.import_file(first, operator="auditor", historical=True)
    second = tmp_path / "again.jsonl"
    export(twin, second)

    assert second.read_bytes() == first.read_bytes()
    assert twin.store.max_position() == 15  # without today's retraction and payment


def test_a_ledger_moves_between_sqlite_and_postgresql_unchanged(
    sqlite_url: str, postgres_url: str, tmp_path: Path
) -> None:
    on_sqlite = open_ledger(sqlite_url, create=True)
    on_postgres = open_ledger(postgres_url, create=True)
    try:
        record_pilot_history(on_sqlite)
        from_sqlite = tmp_path / "from-sqlite.jsonl"
        export(on_sqlite, from_sqlite)

        on_postgres.import_file(from_sqlite, operator="auditor", historical=True)
        from_postgres = tmp_path / "from-postgres.jsonl"
        export(on_postgres, from_postgres)
    finally:
        on_sqlite.close()
        on_postgres.close()

    assert from_postgres.read_bytes() == from_sqlite.read_bytes()


def _lines(path: Path) -> list[bytes]:
    return gzip.decompress(path.read_bytes()).splitlines()
