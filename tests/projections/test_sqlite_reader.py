"""The SQLite reader: a batch comes back as one text per column and is split without a Python
object per event — and still holds exactly the stored rows, in order, whatever their notes hold;
an odd row is read the slow way, and a state that is not JSON stops extraction, named."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ledger.bootstrap import open_ledger
from ledger.storage.arrow import parse_columns
from ledger.storage.errors import StoredEventError
from ledger.storage.sqlite_reader import SQLiteReader
from projections.extract import catch_up
from projections.facts import FactStore

TOPIC = "ledger.domain.enrolment:Enrolment.BeneficiaryEnrolled"
NOTES = [
    None,
    'she said "no"',
    "back\\slash and \\n not a newline",
    "two\nlines\tand a tab",
    "ບ້ານ ນາ ສາຍ (Lao script)",
    "",
    "a } brace, a { and a ,",
]


def _state(n: int, note: str | None) -> bytes:
    """A stored state as the ledger writes it: compact JSON, non-ASCII kept as UTF-8."""
    return json.dumps(
        {
            "timestamp": {"_type_": "datetime_iso", "_data_": "2021-08-12T08:00:00+07:00"},
            "event_id": f"ev-{n}",
            "effective_date": {"_type_": "date_iso", "_data_": "2021-08-12"},
            "operator": "t",
            "note": note,
            "programme": "mcw",
            "beneficiary": f"B{n}",
            "district": "1703",
            "sex": "F",
            "birth_date": None,
            "household": None,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def _store(tmp_path: Path, states: list[bytes], *, first: int = 1) -> Path:
    """A ledger file whose events table holds these states at positions first, first + 1, ..."""
    path = tmp_path / "ledger.db"
    open_ledger(str(path), create=True).close()
    connection = sqlite3.connect(path)
    connection.executemany(
        "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
        "VALUES (?, ?, 1, ?, ?)",
        [(first + i, f"{first + i:032x}", TOPIC, state) for i, state in enumerate(states)],
    )
    connection.commit()
    connection.close()
    return path


def _rows(path: Path) -> list[tuple[int, str, str, str]]:
    connection = sqlite3.connect(path)
    rows = connection.execute(
        "SELECT rowid, originator_id, topic, state FROM stored_events ORDER BY rowid"
    ).fetchall()
    connection.close()
    return [(p, o, t, bytes(s).decode()) for p, o, t, s in rows]


def _read_all(source: SQLiteReader, batch: int) -> list[tuple[int, str, str, str]]:
    rows: list[tuple[int, str, str, str]] = []
    after = 0
    while True:
        table = source.arrow(after, batch)
        if table.num_rows == 0:
            return rows
        rows += [
            (r["position"], r["originator"], r["topic"], r["state"].rstrip("\n"))
            for r in table.to_pylist()
        ]
        after = rows[-1][0]


def test_batches_hold_exactly_the_stored_rows_in_order_whatever_the_notes_hold(
    tmp_path: Path,
) -> None:
    states = [_state(n, NOTES[n % len(NOTES)]) for n in range(23)]
    path = _store(tmp_path, states, first=1)
    source = SQLiteReader(_uri(path), "stored_events")
    for batch in (1, 2, 5, 7, 23, 1000):  # batch boundaries everywhere, and one batch for all
        assert _read_all(source, batch) == _rows(path)
    source.close()


def test_the_fast_read_and_the_row_by_row_read_give_the_same_table(tmp_path: Path) -> None:
    path = _store(tmp_path, [_state(n, NOTES[n % len(NOTES)]) for n in range(9)])
    source = SQLiteReader(_uri(path), "stored_events")
    fast, slow = source.arrow(2, 5), source.arrow_by_rows(2, 5)
    assert fast.schema == slow.schema
    assert fast.column("position").to_pylist() == [3, 4, 5, 6, 7]
    assert [s.rstrip("\n") for s in fast.column("state").to_pylist()] == \
        slow.column("state").to_pylist()
    assert fast.drop_columns(["state"]).equals(slow.drop_columns(["state"]))
    source.close()


def test_an_empty_store_and_a_read_past_the_end_give_no_rows(tmp_path: Path) -> None:
    path = _store(tmp_path, [])
    source = SQLiteReader(_uri(path), "stored_events")
    assert source.max_position() == 0
    assert source.arrow(0, 100).num_rows == 0
    connection = sqlite3.connect(path)
    connection.execute(
        "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
        "VALUES (1, 'ff', 1, ?, ?)", (TOPIC, _state(1, None)),
    )
    connection.commit()
    connection.close()
    assert source.arrow(1, 100).num_rows == 0
    assert source.arrow(0, 100).num_rows == 1
    source.close()


def test_gaps_in_positions_are_kept(tmp_path: Path) -> None:
    path = _store(tmp_path, [_state(n, None) for n in range(3)], first=10)
    connection = sqlite3.connect(path)
    connection.execute(
        "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
        "VALUES (40, 'ff', 1, ?, ?)", (TOPIC, _state(40, "late")),
    )
    connection.commit()
    connection.close()
    source = SQLiteReader(_uri(path), "stored_events")
    assert source.arrow(0, 10).column("position").to_pylist() == [10, 11, 12, 40]
    assert source.arrow(11, 10).column("position").to_pylist() == [12, 40]
    source.close()


def test_a_state_with_raw_newlines_is_read_row_by_row_and_extracted_alike(
    tmp_path: Path,
) -> None:
    pretty = json.dumps(json.loads(_state(2, "x")), indent=2).encode()  # valid JSON, over lines
    path = _store(tmp_path, [_state(1, None), pretty, _state(3, None)])
    source = SQLiteReader(_uri(path), "stored_events")
    assert _read_all(source, 10) == _rows(path)
    facts = FactStore.in_memory()
    assert catch_up(source, facts, store="s") == 3
    assert facts.connection.execute(
        "SELECT position, event_id FROM facts ORDER BY position"
    ).fetchall() == [(1, "ev-1"), (2, "ev-2"), (3, "ev-3")]
    source.close()


def test_a_state_that_is_not_json_stops_extraction_naming_its_position(tmp_path: Path) -> None:
    states = [_state(n, None) for n in range(1, 8)]
    states[4] = states[4][:-5]  # position 5, cut short
    path = _store(tmp_path, states)
    source = SQLiteReader(_uri(path), "stored_events")
    facts = FactStore.in_memory()
    with pytest.raises(StoredEventError, match=r"position 5 is not valid JSON"):
        catch_up(source, facts, store="s", batch_size=3)
    assert facts.position() == 3  # the batch before it, and nothing of the batch holding it
    assert facts.count() == 3
    source.close()


def test_a_state_that_is_not_utf8_stops_extraction_naming_its_position(tmp_path: Path) -> None:
    states = [_state(n, None) for n in range(1, 4)]
    states[1] = states[1].replace(b'"t"', b'"\xff"')
    path = _store(tmp_path, states)
    source = SQLiteReader(_uri(path), "stored_events")
    with pytest.raises(StoredEventError, match=r"position 2 is not UTF-8"):
        source.arrow(0, 10)
    source.close()


def test_a_row_with_a_missing_state_is_not_skipped(tmp_path: Path) -> None:
    path = _store(tmp_path, [_state(n, None) for n in range(1, 4)])
    connection = sqlite3.connect(path)
    connection.execute("UPDATE stored_events SET state = NULL WHERE rowid = 2")
    connection.commit()
    connection.close()
    source = SQLiteReader(_uri(path), "stored_events")
    assert source.arrow(0, 10).column("position").to_pylist() == [1, 2, 3]
    with pytest.raises(StoredEventError, match=r"position 2 has no state"):
        catch_up(source, FactStore.in_memory(), store="s")
    source.close()


def test_texts_out_of_order_are_put_in_order_and_texts_that_disagree_are_refused() -> None:
    table = parse_columns(3, "7,5,6", b"o7\no5\no6", b"t7\nt5\nt6", b'{"a":7}\n{"a":5}\n{"a":6}')
    assert table is not None
    assert table.column("position").to_pylist() == [5, 6, 7]
    assert table.column("originator").to_pylist() == ["o5", "o6", "o7"]
    assert table.column("topic").to_pylist() == ["t5", "t6", "t7"]
    assert table.column("state").to_pylist() == ['{"a":5}\n', '{"a":6}', '{"a":7}\n']
    assert parse_columns(2, "5,5", b"a\nb", b"t\nt", b"{}\n{}") is None  # a position twice
    assert parse_columns(3, "1,2,3", b"a\nb\nc", b"t\nt\nt", b"{}\n{}") is None  # a state short
    assert parse_columns(2, "1,2", b"a\nb", b"t\nt", b'{"a":\n1}\n{}') is None  # a raw newline
    assert parse_columns(2, "1", b"a\nb", b"t\nt", b"{}\n{}") is None  # a position short
    assert parse_columns(1, "1", b"a", b"t", b'{"\xff"}') is None  # not UTF-8


def test_a_batch_longer_than_sqlite_makes_one_value_is_read_row_by_row(tmp_path: Path) -> None:
    path = _store(tmp_path, [_state(n, "x" * 300) for n in range(1, 6)])
    source = SQLiteReader(_uri(path), "stored_events")
    source.connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1000)  # one state fits, five do not
    assert _read_all(source, 5) == _rows(path)
    source.close()


def _uri(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"
