"""Hostile input: every defect a file can have gets `file:line: field: reason`, and the store is unchanged.

Each case of the corpus below is a small file (the 10 MB line is generated at test time) with the
refusals it must give. It is imported through the console command on both stores, after which the
store must be byte-for-byte what it was. A second group of files is awkward but valid (a BOM,
CRLF line ends, blank lines, no final newline, gzip): those are recorded in full, and only once.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from reliability_support import SETUP, enrolment, jsonl, payment, snapshot

from cli.main import cli
from ledger.bootstrap import open_ledger
from ledger.recording import batch, stage

Content = bytes | Callable[[], bytes]


@dataclass(frozen=True)
class Case:
    """A hostile file and the refusals it must give: (line, field, words the reason contains).

    Words separated by `|` are alternatives: either wording says what is wrong.
    """

    name: str
    content: Content
    refusals: list[tuple[int, str, str]]
    suffix: str = ".jsonl"

    def body(self) -> bytes:
        return self.content() if callable(self.content) else self.content


VALID = json.dumps(enrolment("MCW-1703-000100")).encode()


def _gzip_truncated() -> bytes:
    whole = gzip.compress(jsonl([enrolment(f"MCW-1703-{n:06d}") for n in range(200, 400)]))
    return whole[: len(whole) // 2]


def _ten_megabyte_line() -> bytes:
    huge = json.dumps(enrolment("MCW-1703-000101", note="x" * (10 << 20))).encode()
    return huge + b"\n" + json.dumps({**enrolment("MCW-1703-000102"), "colour": "red"}).encode()


def _nested(depth: int) -> Callable[[], bytes]:
    return lambda: b"[" * depth + b"]" * depth + b"\n"


def _nested_in_field(depth: int) -> Callable[[], bytes]:
    inner = '{"a":' * depth + "1" + "}" * depth
    return lambda: (json.dumps(enrolment("MCW-1703-000103"))[:-1] + f', "note": {inner}}}').encode()


CORPUS = [
    # -- not JSON, not UTF-8, not gzip ---------------------------------------------------------
    Case("malformed-json", b'{"event": "BeneficiaryEnrolled", "effective_date": \n',
         [(1, "line", "is not valid JSON")]),
    Case("malformed-lines-2-and-4", VALID + b"\n{oops}\n" + VALID.replace(b"100", b"104")
         + b"\n[1, 2,\n", [(2, "line", "is not valid JSON"), (4, "line", "is not valid JSON")]),
    Case("not-an-object", b'["BeneficiaryEnrolled", "2021-07-01"]\n',
         [(1, "line", "must be a JSON object, not an array")]),
    Case("bare-string", b'"hello"\n', [(1, "line", "must be a JSON object, not a string")]),
    Case("invalid-utf8", VALID[:-2] + b'\xff\xfe"}\n', [(1, "line", "is not valid UTF-8")]),
    Case("latin1-note", json.dumps(enrolment("MCW-1703-000105", note="é")).encode()
         .replace(b"\\u00e9", b"\xe9") + b"\n", [(1, "line", "is not valid UTF-8")]),
    Case("utf16", VALID.decode().encode("utf-16") + b"\n", [(1, "line", "is not valid UTF-8")]),
    Case("bom-on-line-2", VALID + b"\n\xef\xbb\xbf" + VALID.replace(b"100", b"106") + b"\n",
         [(2, "line", "Unexpected UTF-8 BOM")]),
    Case("lone-cr-line-ends", VALID + b"\r" + VALID.replace(b"100", b"107") + b"\r",
         [(1, "line", "Extra data")]),
    Case("nul-bytes", b"\x00" * 64 + b"\n", [(1, "line", "is not valid JSON")]),
    Case("truncated-gzip", _gzip_truncated, [(0, "file", "the gzip stream is broken")],
         suffix=".jsonl.gz"),
    Case("not-gzip", VALID + b"\n", [(1, "file", "the gzip stream is broken")], suffix=".jsonl.gz"),
    # -- too big, too deep ---------------------------------------------------------------------
    Case("ten-megabyte-line", _ten_megabyte_line,
         [(1, "line", "is longer than 1048576 bytes"), (2, "colour", "is not a field of")]),
    Case("nested-arrays", _nested(100_000), [(1, "line", "nested too deeply")]),
    Case("nested-objects-in-a-field", _nested_in_field(50_000), [(1, "line", "nested too deeply")]),
    Case("shallow-object-in-a-field", _nested_in_field(50), [(1, "note", "must be a string")]),
    # -- the format's own fields ---------------------------------------------------------------
    Case("unknown-field", jsonl([{**enrolment("MCW-1703-000110"), "colour": "red"}]),
         [(1, "colour", "is not a field of BeneficiaryEnrolled")]),
    Case("unknown-event", jsonl([{"event": "BeneficiaryPromoted", "effective_date": "2021-07-01"}]),
         [(1, "event", "is not an event of format v1")]),
    Case("event-missing", jsonl([{"effective_date": "2021-07-01", "programme": "mcw"}]),
         [(1, "event", "is missing")]),
    Case("field-given-twice", VALID[:-1] + b', "district": "1306"}\n',
         [(1, "district", "is given more than once")]),
    Case("required-missing", jsonl([{"event": "PaymentRecorded", "effective_date": "2021-08-12",
                                     "programme": "mcw", "beneficiary": "MCW-1703-000001"}]),
         [(1, "payment", "is missing"), (1, "amount", "is missing"), (1, "period", "is missing")]),
    Case("wrong-types", jsonl([enrolment(17, district=1703)]),  # type: ignore[arg-type]
         [(1, "beneficiary", "must be a string, not a number"),
          (1, "district", "must be a string, not a number")]),
    Case("recorded-at-without-historical",
         jsonl([enrolment("MCW-1703-000111", recorded_at="2021-07-01T09:00:00+07:00")]),
         [(1, "recorded_at", "only by `import --historical`")]),
    Case("note-too-long", jsonl([enrolment("MCW-1703-000112", note="n" * 501)]),
         [(1, "note", "at most 500")]),
    # -- impossible dates ----------------------------------------------------------------------
    Case("february-30", jsonl([{**enrolment("MCW-1703-000120"), "effective_date": "2025-02-30"}]),
         [(1, "effective_date", "'2025-02-30' is not a real date")]),
    Case("month-13", jsonl([enrolment("MCW-1703-000121", birth_date="2020-13-01")]),
         [(1, "birth_date", "is not a real date")]),
    Case("year-zero", jsonl([{**enrolment("MCW-1703-000122"), "effective_date": "0000-01-01"}]),
         [(1, "effective_date", "is not a real date")]),
    Case("two-digit-year", jsonl([{**enrolment("MCW-1703-000123"), "effective_date": "21-07-01"}]),
         [(1, "effective_date", "is not a date (YYYY-MM-DD)")]),
    Case("future-date", jsonl([{**enrolment("MCW-1703-000124"), "effective_date": "2099-01-01"}]),
         [(1, "effective_date", "is after the day it is recorded")]),
    Case("birth-after-enrolment", jsonl([enrolment("MCW-1703-000125", birth_date="2021-07-02")]),
         [(1, "birth_date", "")]),
    Case("period-month-13", jsonl([payment("P-13", period="2021-13")]),
         [(1, "period", "is not a month (YYYY-MM)")]),
    # -- amounts -------------------------------------------------------------------------------
    Case("negative-amount", jsonl([payment("P-n1", amount="-300000")]),
         [(1, "amount", "must be greater than 0")]),
    Case("negative-integer-amount", jsonl([payment("P-n2", amount=-5)]),
         [(1, "amount", "must be greater than 0")]),
    Case("zero-amount", jsonl([payment("P-z", amount="0.00")]), [(1, "amount", "greater than 0")]),
    Case("huge-amount", jsonl([payment("P-h1", amount="1" + "0" * 20)]),
         [(1, "amount", "below 10^15")]),
    Case("huge-integer-amount", jsonl([payment("P-h2", amount=10**40)]),
         [(1, "amount", "below 10^15|not a number")]),
    Case("over-precise-amount", jsonl([payment("P-p", amount="300000.005")]),
         [(1, "amount", "at most 2 decimals")]),
    Case("float-amount", jsonl([payment("P-f", amount=1500.5)]),
         [(1, "amount", "write it as a decimal string")]),
    Case("exponent-amount", jsonl([payment("P-e", amount="3e5")]), [(1, "amount", "not an amount")]),
    Case("nan-amount", json.dumps(payment("P-nan")).replace('"300000"', "NaN").encode() + b"\n",
         [(1, "amount", "not a number")]),
    Case("infinite-amount", json.dumps(payment("P-inf")).replace('"300000"', "1e999").encode()
         + b"\n", [(1, "amount", "not a number")]),
    Case("boolean-amount", jsonl([payment("P-b", amount=True)]), [(1, "amount", "not a boolean")]),
    Case("wrong-currency", jsonl([payment("P-c", currency="USD")]),
         [(1, "currency", "is not the programme's (LAK)")]),
    # -- unknown codes, names that could escape ------------------------------------------------
    Case("unknown-district", jsonl([enrolment("MCW-1703-000130", district="9999")]),
         [(1, "district", "9999 is not a district of the ledger's geography")]),
    Case("district-not-four-digits", jsonl([enrolment("MCW-1703-000131", district="170")]),
         [(1, "district", "is not a 4-digit district code")]),
    Case("unknown-programme", jsonl([{**enrolment("MCW-1703-000132"), "programme": "smp"}]),
         [(1, "programme", "programme 'smp' is not registered")]),
    Case("programme-code-with-path", jsonl([{**enrolment("x"), "programme": "../../etc"}]),
         [(1, "programme", "is not a programme code")]),
    Case("beneficiary-with-path", jsonl([enrolment("../../etc/passwd")]),
         [(1, "beneficiary", "is not an id of 1–64")]),
    Case("beneficiary-with-nul", jsonl([enrolment("MCW\x00")]),
         [(1, "beneficiary", "is not an id of 1–64")]),
    Case("unknown-sex", jsonl([enrolment("MCW-1703-000133", sex="X")]),
         [(1, "sex", "'X' is not one of F, M")]),
    Case("unknown-exit-reason", jsonl([{"event": "BeneficiaryExited", "effective_date": "2021-09-01",
                                        "programme": "mcw", "beneficiary": "MCW-1703-000001",
                                        "reason": "bored"}]),
         [(1, "reason", "'bored' is not one of graduated")]),
    Case("unknown-payment-reversed", jsonl([{"event": "PaymentReversed", "effective_date": "2021-09-01",
                                             "programme": "mcw", "payment": "P-none",
                                             "reason": "returned"}]),
         [(1, "payment", "payment 'P-none' is not recorded in 'mcw'")]),
    Case("retract-unknown-id", jsonl([{"event": "EventRetracted", "effective_date": "2021-09-01",
                                       "retracts": "no-such-event", "reason": "mistake"}]),
         [(1, "retracts", "no event 'no-such-event' is recorded")]),
    # -- ids -----------------------------------------------------------------------------------
    Case("id-reused-in-file", jsonl([enrolment("MCW-1703-000140", id="E-1"),
                                     enrolment("MCW-1703-000141", id="E-1")]),
         [(2, "id", "'E-1' is also the id of line 1")]),
    Case("id-of-another-recorded-event", jsonl([enrolment("MCW-1703-000142", id="setup-enrolment")]),
         [(1, "id", "already recorded for a different event")]),
    Case("payment-id-reused-in-file", jsonl([payment("P-dup"), payment("P-dup", period="2021-09")]),
         [(2, "payment", "payment id 'P-dup' is already used")]),
    Case("id-too-long", jsonl([enrolment("MCW-1703-000143", id="i" * 129)]),
         [(1, "id", "an id has 1–128")]),
    # -- one bad line spoils a file of good ones -----------------------------------------------
    Case("good-lines-then-a-bad-one",
         jsonl([enrolment(f"MCW-1703-{n:06d}") for n in range(150, 180)]
               + [enrolment("MCW-1703-000180", district="0000")]),
         [(31, "district", "is not a district")]),
]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hostile_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One store per module, holding the set-up history; every case must leave it as it is."""
    if request.param == "sqlite":
        url = str(tmp_path_factory.mktemp("hostile") / "ledger.db")
    else:
        url = request.getfixturevalue("module_postgres_url")
    ledger = open_ledger(url, create=True)
    ledger.record_dicts([*SETUP[:3], {**SETUP[3], "id": "setup-enrolment"}], operator="setup")
    ledger.close()
    return url


def _import(url: str, path: Path, *extra: str) -> tuple[int, str, str, BaseException | None]:
    result = CliRunner().invoke(cli, ["--store", url, "--operator", "hostile", "import", *extra,
                                      str(path)])
    unexpected = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.stdout, result.stderr, unexpected


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.name)
def test_a_hostile_file_is_refused_line_by_line_and_changes_nothing(
    case: Case, hostile_store: str, tmp_path: Path
) -> None:
    path = tmp_path / f"{case.name}{case.suffix}"
    path.write_bytes(case.body())
    before = snapshot(hostile_store)

    status, stdout, stderr, unexpected = _import(hostile_store, path)

    assert unexpected is None, f"a traceback instead of an error: {unexpected!r}"
    assert status == 1
    assert "Traceback" not in stderr
    assert stdout == ""
    reported = stderr.splitlines()
    refusals = [line for line in reported if not line.startswith("Error: ")]
    assert reported[-1] == (
        f"Error: {len(refusals)} line{'s' if len(refusals) != 1 else ''} refused; "
        "nothing was recorded"
    )
    assert len(refusals) == len(case.refusals), reported
    for shown, (line, field, words) in zip(refusals, case.refusals, strict=True):
        where = f"{path}:{line}: {field}: " if line else f"{path}:"
        assert shown.startswith(where), (shown, where)
        assert f": {field}: " in shown
        assert any(alternative in shown for alternative in words.split("|")), shown
    assert snapshot(hostile_store) == before


def test_truncated_gzip_is_refused_at_the_line_where_the_stream_breaks(
    hostile_store: str, tmp_path: Path
) -> None:
    lines = [enrolment(f"MCW-1703-{n:06d}") for n in range(500, 2500)]
    whole = gzip.compress(jsonl(lines))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) * 3 // 4])
    before = snapshot(hostile_store)

    status, _, stderr, unexpected = _import(hostile_store, path)

    assert unexpected is None and status == 1
    [refusal] = [line for line in stderr.splitlines() if ": file: " in line]
    line_no = int(refusal.split(":")[1])
    assert 1 < line_no <= len(lines)  # after the lines that could be read, all of them checked
    assert snapshot(hostile_store) == before


AWKWARD_BUT_VALID: list[tuple[str, Callable[[list[bytes]], bytes]]] = [
    ("bom", lambda lines: b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n"),
    ("crlf", lambda lines: b"\r\n".join(lines) + b"\r\n"),
    ("blank-lines", lambda lines: b"\n\n".join(lines) + b"\n  \n\t\n"),
    ("no-final-newline", lambda lines: b"\n".join(lines)),
    ("gzip", lambda lines: gzip.compress(b"\n".join(lines) + b"\n")),
]


@pytest.mark.parametrize(("layout", "write"), AWKWARD_BUT_VALID, ids=[n for n, _ in AWKWARD_BUT_VALID])
def test_an_awkward_but_valid_file_is_recorded_once(
    layout: str, write: Callable[[list[bytes]], bytes], hostile_store: str, tmp_path: Path
) -> None:
    lines = [json.dumps(enrolment(f"{layout}-{n}", district="1306")).encode() for n in range(3)]
    path = tmp_path / f"{layout}.jsonl{'.gz' if layout == 'gzip' else ''}"
    path.write_bytes(write(lines))
    before = snapshot(hostile_store)

    first = _import(hostile_store, path)
    after_first = snapshot(hostile_store)
    second = _import(hostile_store, path)

    assert first[0] == 0 and first[3] is None, first
    assert "recorded 3 events" in first[1]
    assert after_first.events == before.events + 3
    assert second[0] == 0 and second[1].strip() == f"{path}: already recorded: 3"
    assert snapshot(hostile_store) == after_first


def _many(count: int) -> Iterator[bytes]:
    for n in range(count):
        yield json.dumps(enrolment(f"LATE-{n:06d}", district="1306")).encode() + b"\n"


def test_a_refusal_after_the_first_flush_still_leaves_the_store_unchanged(
    hostile_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Good lines are already written inside the transaction when the bad last line is read."""
    # Append early, as a file of millions of lines would (the events of each window of lines are
    # appended together; older code also had a separate FLUSH threshold).
    monkeypatch.setattr(batch, "WINDOW", 100)
    monkeypatch.setattr(stage, "WINDOW", 100)
    path = tmp_path / "late.jsonl"
    with path.open("wb") as out:
        out.writelines(_many(450))
        out.write(json.dumps(payment("P-late", amount="-1")).encode() + b"\n")
    before = snapshot(hostile_store)

    status, _, stderr, unexpected = _import(hostile_store, path)

    assert unexpected is None and status == 1
    assert stderr.splitlines()[0].startswith(f"{path}:451: amount: ")
    assert snapshot(hostile_store) == before
