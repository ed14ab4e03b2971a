"""Bad input (SPEC §10): each defect is refused naming file, line and field, and the store is unchanged.

Every file here is imported into a ledger holding the pilot programme, so its good lines would be
recorded if the file were accepted; `import_refused` checks that nothing was.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from eventlog import (
    NONG,
    OPERATOR,
    SANAMXAY,
    enrolled,
    import_refused,
    only,
    paid,
    pilot,
    record,
    registered,
)

from ledger.application import Ledger
from ledger.interchange.reader import MAX_LINE_BYTES
from ledger.interchange.schema import FieldError


@pytest.fixture
def pilot_ledger(ledger: Ledger) -> Ledger:
    """The pilot programme with B-1 enrolled in Sanamxay."""
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY))
    return ledger


def jsonl(path: Path, *lines: bytes | dict[str, object], end: bytes = b"\n") -> Path:
    """A file of the given lines: dicts are written as JSON, bytes as they are."""
    raw = [line if isinstance(line, bytes) else json.dumps(line).encode() for line in lines]
    path.write_bytes(b"".join(line + end for line in raw))
    return path


def refused_as(refusal: FieldError, path: Path, line: int, field: str, words: str) -> None:
    assert (refusal.origin.source, refusal.origin.line, refusal.field) == (str(path), line, field)
    assert words in refusal.reason, str(refusal)


GOOD = enrolled("B-2", NONG)


# -- the bytes of a line -----------------------------------------------------------------------


def test_malformed_json_is_refused_by_line(pilot_ledger: Ledger, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "june.jsonl", GOOD, b'{"event": "BeneficiaryEnrolled", "effective_date": ',
                 enrolled("B-3", NONG), b"{oops}")

    refusals = import_refused(pilot_ledger, path)

    assert len(refusals) == 2
    refused_as(refusals[0], path, 2, "line", "is not valid JSON")
    refused_as(refusals[1], path, 4, "line", "is not valid JSON")


def test_a_line_that_is_not_an_object_is_refused(pilot_ledger: Ledger, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "june.jsonl", b'["BeneficiaryEnrolled", "2021-07-01"]')

    refused_as(only(import_refused(pilot_ledger, path)), path, 1, "line",
               "must be a JSON object, not an array")


def test_invalid_utf8_is_refused(pilot_ledger: Ledger, tmp_path: Path) -> None:
    latin1 = json.dumps(enrolled("B-2", NONG, note="caf\u00e9"), ensure_ascii=False).encode("latin-1")
    path = jsonl(tmp_path / "june.jsonl", GOOD, latin1)

    refused_as(only(import_refused(pilot_ledger, path)), path, 2, "line", "is not valid UTF-8")


def test_a_truncated_gzip_file_is_refused_at_the_line_where_it_breaks(
    pilot_ledger: Ledger, tmp_path: Path
) -> None:
    whole = gzip.compress(b"".join(json.dumps(enrolled(f"B-{n}", NONG)).encode() + b"\n"
                                   for n in range(100, 400)))
    path = tmp_path / "june.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])

    refusal = import_refused(pilot_ledger, path)[-1]

    assert refusal.field == "file" and "the gzip stream is broken" in refusal.reason
    assert 1 < refusal.origin.line <= 300 and refusal.origin.source == str(path)


def test_a_huge_line_is_refused_and_the_lines_after_it_are_still_checked(
    pilot_ledger: Ledger, tmp_path: Path
) -> None:
    huge = json.dumps(enrolled("B-2", NONG, note="x" * (MAX_LINE_BYTES + 10))).encode()
    path = jsonl(tmp_path / "june.jsonl", GOOD, huge, {**enrolled("B-3", NONG), "colour": "red"})

    refusals = import_refused(pilot_ledger, path)

    assert len(refusals) == 2
    refused_as(refusals[0], path, 2, "line", f"is longer than {MAX_LINE_BYTES} bytes")
    refused_as(refusals[1], path, 3, "colour", "is not a field of BeneficiaryEnrolled")


def test_deeply_nested_json_is_refused(pilot_ledger: Ledger, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "june.jsonl", b"[" * 100_000 + b"]" * 100_000,
                 json.dumps(GOOD)[:-1].encode() + b', "note": ' + b'{"a":' * 50 + b"1"
                 + b"}" * 50 + b"}")

    refusals = import_refused(pilot_ledger, path)

    assert [(r.origin.line, r.field) for r in refusals] == [(1, "line"), (2, "note")]
    assert "nested too deeply" in refusals[0].reason
    assert "must be a string" in refusals[1].reason


def test_a_duplicate_key_is_refused(pilot_ledger: Ledger, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "june.jsonl",
                 b'{"event": "BeneficiaryEnrolled", "effective_date": "2021-07-01", '
                 b'"programme": "mcw", "beneficiary": "B-2", "district": "1306", '
                 b'"district": "1703", "sex": "F"}')

    refused_as(only(import_refused(pilot_ledger, path)), path, 1, "district",
               "is given more than once")


def test_a_duplicate_key_is_refused_however_the_json_is_spaced(
    pilot_ledger: Ledger, tmp_path: Path
) -> None:
    path = jsonl(tmp_path / "june.jsonl",
                 b'{"event" : "BeneficiaryEnrolled", "effective_date" : "2021-07-01", '
                 b'"programme" : "mcw", "beneficiary" : "B-2", "district" : "1306", '
                 b'"district"\t:\t"1703", "sex" : "F"}')

    refused_as(only(import_refused(pilot_ledger, path)), path, 1, "district",
               "is given more than once")


# -- the fields of a line ----------------------------------------------------------------------


def test_unknown_fields_and_unknown_events_are_refused(pilot_ledger: Ledger, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "june.jsonl", {**GOOD, "name": "Somchai"},
                 {"event": "BeneficiaryPromoted", "effective_date": "2021-07-01"},
                 {"effective_date": "2021-07-01", "programme": "mcw"})

    refusals = import_refused(pilot_ledger, path)

    assert len(refusals) == 3
    refused_as(refusals[0], path, 1, "name", "is not a field of BeneficiaryEnrolled")
    refused_as(refusals[1], path, 2, "event", "is not an event of format v1")
    refused_as(refusals[2], path, 3, "event", "is missing")


def test_impossible_dates_are_refused(pilot_ledger: Ledger, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "june.jsonl", enrolled("B-2", NONG, on="2025-02-30"),
                 enrolled("B-3", NONG, birth_date="2021-13-01"),
                 enrolled("B-4", NONG, on="1 July 2021"),
                 paid("B-1", "P-1", period="2021-13"))

    refusals = import_refused(pilot_ledger, path)

    assert [(r.origin.line, r.field) for r in refusals] == [
        (1, "effective_date"), (2, "birth_date"), (3, "effective_date"), (4, "period")]
    assert "'2025-02-30' is not a real date" in refusals[0].reason
    assert "is not a date (YYYY-MM-DD)" in refusals[2].reason


def test_negative_and_zero_amounts_are_refused(pilot_ledger: Ledger, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "june.jsonl", paid("B-1", "P-1", amount="-300000"),
                 paid("B-1", "P-2", amount=-5), paid("B-1", "P-3", amount="0.00"),
                 paid("B-1", "P-4", amount=0))

    refusals = import_refused(pilot_ledger, path)

    assert [(r.origin.line, r.field) for r in refusals] == [(n, "amount") for n in (1, 2, 3, 4)]
    assert all("must be greater than 0" in r.reason for r in refusals), refusals


def test_float_amounts_are_refused_with_a_hint(pilot_ledger: Ledger, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "june.jsonl", paid("B-1", "P-1", amount=300000.5))

    refusal = only(import_refused(pilot_ledger, path))

    refused_as(refusal, path, 1, "amount", "must be a decimal string or an integer")
    assert '"1500.50"' in refusal.reason


def test_amounts_with_more_than_two_decimals_are_refused(
    pilot_ledger: Ledger, tmp_path: Path
) -> None:
    path = jsonl(tmp_path / "june.jsonl", paid("B-1", "P-1", amount="300000.125"),
                 paid("B-1", "P-2", amount="1e5"))

    refusals = import_refused(pilot_ledger, path)

    refused_as(refusals[0], path, 1, "amount", "at most 2 decimals")
    refused_as(refusals[1], path, 2, "amount", "at most 2 decimals")


def test_unknown_district_codes_are_refused(pilot_ledger: Ledger, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "june.jsonl", GOOD, enrolled("B-3", "9999"), enrolled("B-4", "17030"))

    refusals = import_refused(pilot_ledger, path)

    refused_as(refusals[0], path, 2, "district", "9999 is not a district of the ledger's geography")
    refused_as(refusals[1], path, 3, "district", "is not a 4-digit district code")


def test_wrong_types_and_missing_fields_are_refused_field_by_field(
    pilot_ledger: Ledger, tmp_path: Path
) -> None:
    path = jsonl(tmp_path / "june.jsonl",
                 {**GOOD, "sex": 1, "birth_date": ["2021-01-01"]},
                 {**GOOD, "beneficiary": None},
                 {**registered("meals"), "benefit": True},
                 {**GOOD, "effective_date": 20210701})

    refusals = import_refused(pilot_ledger, path)

    assert [(r.origin.line, r.field) for r in refusals] == [
        (1, "sex"), (1, "birth_date"), (2, "beneficiary"), (3, "benefit"), (4, "effective_date")]
    assert "must be a string, not a number" in refusals[0].reason
    assert "is missing" in refusals[2].reason
    assert "must be a string, not a boolean" in refusals[3].reason


def test_a_note_over_500_characters_is_refused(pilot_ledger: Ledger, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "june.jsonl", enrolled("B-2", NONG, note="n" * 501))

    refused_as(only(import_refused(pilot_ledger, path)), path, 1, "note", "at most 500")


# -- awkward but valid -------------------------------------------------------------------------


def test_a_byte_order_mark_and_crlf_line_ends_are_accepted(
    pilot_ledger: Ledger, tmp_path: Path
) -> None:
    path = jsonl(tmp_path / "june.jsonl", b"\xef\xbb\xbf" + json.dumps(GOOD).encode(),
                 enrolled("B-3", NONG), end=b"\r\n")

    receipt = pilot_ledger.import_file(path, operator=OPERATOR)

    assert receipt.count == 2


def test_blank_lines_are_skipped_but_still_counted(pilot_ledger: Ledger, tmp_path: Path) -> None:
    good = jsonl(tmp_path / "good.jsonl", b"", GOOD, b"   ", b"", enrolled("B-3", NONG))
    bad = jsonl(tmp_path / "bad.jsonl", b"", GOOD, b"   ", enrolled("B-3", "9999"))

    refusal = only(import_refused(pilot_ledger, bad))
    receipt = pilot_ledger.import_file(good, operator=OPERATOR)

    refused_as(refusal, bad, 4, "district", "is not a district")
    assert receipt.count == 2


def test_a_file_without_a_final_newline_is_accepted(pilot_ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "june.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + json.dumps(enrolled("B-3", NONG)).encode())

    assert pilot_ledger.import_file(path, operator=OPERATOR).count == 2


# -- what Python's JSON decoder would let through ----------------------------------------------


def test_a_lone_surrogate_is_refused_as_invalid_json(pilot_ledger: Ledger, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "june.jsonl",
                 b'{"event": "BeneficiaryEnrolled", "effective_date": "2021-07-01", '
                 b'"programme": "mcw", "beneficiary": "B-2", "district": "1306", "sex": "F", '
                 b'"note": "\\ud800"}')

    refused_as(only(import_refused(pilot_ledger, path)), path, 1, "line", "is not valid JSON")


def test_an_integer_of_thousands_of_digits_is_refused(pilot_ledger: Ledger, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "june.jsonl",
                 b'{"event": "PaymentRecorded", "amount": 1' + b"0" * 5000 + b"}")

    refused_as(only(import_refused(pilot_ledger, path)), path, 1, "line", "is not valid JSON")


def test_an_unknown_field_name_is_shown_with_control_characters_escaped(
    pilot_ledger: Ledger, tmp_path: Path
) -> None:
    path = jsonl(tmp_path / "june.jsonl", {**GOOD, "red\n2:x\x1b[31m": 1})

    refusal = only(import_refused(pilot_ledger, path))

    assert refusal.field == "red\\n2:x\\x1b[31m"
    assert "\n" not in str(refusal) and "\x1b" not in str(refusal)
