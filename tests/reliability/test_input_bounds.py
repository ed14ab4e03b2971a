"""Values that look right but are not: other scripts' digits, absurd years, huge integers,
ids that display as other ids — each refused with its line and field; and a flood of refusals
is reported as its first thousand and a count."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from reliability_support import SETUP, enrolment, jsonl, payment, snapshot

from cli.main import cli
from ledger.bootstrap import open_ledger
from ledger.refusals import REPORTED


@pytest.fixture
def store(store_url: str) -> str:
    ledger = open_ledger(store_url, create=True)
    ledger.record_dicts(SETUP, operator="setup")
    ledger.close()
    return store_url


def _import(store: str, path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--store", store, "import", str(path)])
    return result.exit_code, result.output


CASES: list[tuple[dict[str, Any], str, str]] = [
    (payment("P-1", period="٢٠٢١-٠٧"), "period", "is not a month"),
    (payment("P-2", amount="٣٠٠"), "amount", "is not an amount"),
    (payment("P-3", amount="３００"), "amount", "is not an amount"),
    (payment("P-4", amount=2**64), "amount", "is too large"),
    (payment("P-5", period="0000-01"), "period", "outside the years 1900–2100"),
    (payment("P-6", period="9999-12"), "period", "outside the years 1900–2100"),
    ({**payment("P-7"), "effective_date": "1899-12-31"}, "effective_date", "outside the years"),
    ({**payment("P-7b"), "effective_date": "２０２１-０８-１２"}, "effective_date", "is not a date"),
    (enrolment("MCW-2", district="１７０３"), "district", "is not a 4-digit district code"),
    (enrolment("MCW-3", birth_date="0001-01-01"), "birth_date", "outside the years"),
    ({**payment("P-8"), "id": "a\u200bb"}, "id", "invisible or control character U+200B"),
    ({**payment("P-9"), "id": "pay\u202e1"}, "id", "invisible or control character U+202E"),
    ({**payment("P-10"), "id": "c\u0085d"}, "id", "invisible or control character U+0085"),
    ({**payment("P-11"), "id": "p\u0430yment"}, "id", "mixes letters of several scripts"),
    ({**payment("P-12"), "id": "cafe\u0301"}, "id", "is not in Unicode NFC"),
]


@pytest.mark.parametrize(("line", "field", "reason"), CASES)
def test_a_value_that_only_looks_right_is_refused(
    store: str, tmp_path: Path, line: dict[str, Any], field: str, reason: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(jsonl([line]))
    before = snapshot(store)

    status, output = _import(store, path)

    assert status == 1
    assert f"bad.jsonl:1: {field}: " in output and reason in output, output
    assert snapshot(store) == before


def test_an_id_in_one_script_other_than_latin_is_accepted(store: str, tmp_path: Path) -> None:
    path = tmp_path / "lao.jsonl"
    path.write_bytes(jsonl([{**payment("P-LAO"), "id": "ການຈ່າຍ-1"}]))
    status, output = _import(store, path)
    assert status == 0, output


def test_the_extreme_accepted_recorded_time_breaks_no_later_command(
    sqlite_url: str, tmp_path: Path
) -> None:
    ledger = open_ledger(sqlite_url, create=True)
    ledger.close()
    path = tmp_path / "old.jsonl"
    path.write_bytes(jsonl([{**SETUP[0], "effective_date": "1900-01-01",
                             "recorded_at": "1900-01-01T00:00:00+14:00"}]))
    result = CliRunner().invoke(cli, ["--store", sqlite_url, "import", "--historical", str(path)])
    assert result.exit_code == 0, result.output
    for command in (["counts", "--as-of", "2025-12-31"], ["reach", "--as-of", "2025-12-31"],
                    ["replay", "--as-of", "2025-12-31", "--out", str(tmp_path / "out")],
                    ["report", "--as-of", "2025-12-31", "--out", str(tmp_path / "r.html")],
                    ["changes", "--from", "2025-01-01", "--to", "2025-12-31"]):
        result = CliRunner().invoke(cli, ["--store", sqlite_url, *command])
        assert result.exit_code == 0, (command, result.output)

    too_old = tmp_path / "older.jsonl"
    too_old.write_bytes(jsonl([{**SETUP[1], "recorded_at": "0001-01-01T00:00:00+14:00"}]))
    result = CliRunner().invoke(cli, ["--store", sqlite_url, "import", "--historical",
                                      str(too_old)])
    assert result.exit_code == 1 and "recorded_at" in result.output and "outside the years" in (
        result.output)


def test_a_flood_of_refusals_reports_the_first_thousand_and_counts_the_rest(
    store: str, tmp_path: Path
) -> None:
    lines = [{**payment(f"P-{n}"), "programme": "nope"} for n in range(REPORTED + 2500)]
    path = tmp_path / "flood.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(json.dumps(o).encode() + b"\n" for o in lines)))
    before = snapshot(store)

    result = CliRunner().invoke(cli, ["--store", store, "import", str(path)])

    assert result.exit_code == 1
    reported = [line for line in result.output.splitlines() if line.startswith("flood.jsonl.gz:")
                or "flood.jsonl.gz:" in line.split(" ")[0]]
    assert len(reported) == REPORTED
    assert f"… and 2500 more refused (only the first {REPORTED} are listed)" in result.output
    assert f"Error: {REPORTED + 2500} lines refused; nothing was recorded" in result.output
    assert snapshot(store) == before


def test_a_flood_of_blank_lines_is_refused_without_reading_it_all(
    store: str, tmp_path: Path
) -> None:
    from ledger.interchange.reader import MAX_BLANK_RUN

    path = tmp_path / "blank.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl([payment("P-1")]) + b"\n" * 50_000_000))
    before = snapshot(store)

    status, output = _import(store, path)

    assert status == 1
    assert (f"blank.jsonl.gz:{MAX_BLANK_RUN + 2}: line: ends a run of more than "
            f"{MAX_BLANK_RUN:,} blank lines") in output
    assert snapshot(store) == before


def test_a_small_gzip_of_huge_lines_is_not_read_to_its_end(store: str, tmp_path: Path) -> None:
    """A 1 GiB decompressed file of oversized lines stops past the bytes-per-line bound."""
    from ledger.interchange.reader import BYTES_FREE, MAX_LINE_BYTES

    path = tmp_path / "bomb.jsonl.gz"
    line = b"x" * (2 * MAX_LINE_BYTES) + b"\n"
    with gzip.open(path, "wb", compresslevel=1) as bomb:
        for _ in range(512):
            bomb.write(line)
    before = snapshot(store)

    status, output = _import(store, path)

    assert status == 1
    # Each line is counted as it is read: the first whose first MAX_LINE_BYTES + 1 take the
    # file past BYTES_FREE ends it.
    stop = next(n for n in range(1, 512)
                if (n - 1) * len(line) + MAX_LINE_BYTES + 1 > BYTES_FREE)
    assert f"bomb.jsonl.gz:{stop}: file: holds" in output
    assert "bytes per line on average: not an event log, and not read further" in output
    assert f"bomb.jsonl.gz:{stop + 1}:" not in output
    assert snapshot(store) == before


def test_a_file_without_events_is_refused_not_reported_as_recorded(
    store: str, tmp_path: Path
) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"\n  \n")
    status, output = _import(store, path)
    assert status == 1 and "empty.jsonl:2: file: holds no event" in output
