"""Fuzzing `ledger import`: whatever the file holds, the answer is a receipt or `Error: …`, never a
traceback, and a refused file leaves the store exactly as it was.

Files are built from plausible lines (real event names and fields, with values drawn from valid,
borderline and wrong ones), then damaged: fields dropped or replaced by arbitrary JSON, lines cut
short or replaced by random bytes, CRLF and BOMs, gzip whole or truncated.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from reliability_support import SETUP, snapshot

from cli.main import cli
from ledger.bootstrap import open_ledger

FIELDS: dict[str, list[str]] = {
    "ProgrammeRegistered": ["programme", "name", "benefit", "currency"],
    "DistrictExpanded": ["programme", "district"],
    "DistrictWithdrawn": ["programme", "district"],
    "BeneficiaryEnrolled": ["programme", "beneficiary", "district", "sex", "birth_date", "household"],
    "BeneficiaryTransferred": ["programme", "beneficiary", "district"],
    "BeneficiaryExited": ["programme", "beneficiary", "reason"],
    "PaymentRecorded": ["programme", "beneficiary", "payment", "amount", "period", "currency"],
    "PaymentReversed": ["programme", "payment", "reason"],
    "EventRetracted": ["retracts", "reason"],
}

# Field names are drawn without control characters: a refusal echoes an unknown field's name
# as it is, so one holding a line break would split its `file:line: field: reason` line in two.
PRINTABLE = st.characters(exclude_categories=["Cc", "Cs"])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=6,
)

# Each field's values: first the well-formed ones, then the wrong or borderline ones.
VALUES: dict[str, tuple[list[Any], list[Any]]] = {
    "event": ([*FIELDS, "BeneficiaryEnrolled", "BeneficiaryEnrolled", "PaymentRecorded"],
              ["BeneficiaryPromoted", ""]),
    "effective_date": (["2021-06-18", "2021-07-01", "2023-02-28", "2020-12-31"],
                       ["2025-02-30", "2021-6-1", "2999-01-01"]),
    "programme": (["mcw", "mcw", "mcw", "smp"], ["MCW", "../mcw", "", "m" * 41]),
    "name": (["School meals"], ["", " "]),
    "benefit": (["cash", "in-kind"], ["gold"]),
    "currency": (["LAK", None], ["USD", "lak"]),
    "district": (["1703", "1306"], ["0101", "9999", "170", 1703]),
    "beneficiary": (["MCW-1703-000001", "B-2", "B-3"], ["../x", "", "b" * 65]),
    "sex": (["F", "M"], ["X"]),
    "birth_date": (["2020-01-01", "2021-12-31", None], ["2020-02-30"]),
    "household": (["H-1", None], [""]),
    "reason": (["graduated", "deceased", "returned by the bank"], ["bored", ""]),
    "payment": (["P-1", "P-2"], ["P-1 ", ""]),
    "amount": (["300000", "150000.50", 300000], ["0", "-1", "1.005", "1e5", -3, 1.5, 10**30, True]),
    "period": (["2021-08", "2021-09"], ["2021-13", "2021-8"]),
    "retracts": (["setup-enrolment", "E-1"], ["nothing"]),
    "id": (["E-1", "E-2", "E-3"], ["setup-enrolment", "", "x" * 129]),
    "note": (["checked"], ["n" * 501]),
    "operator": (["field officer"], [""]),
    "recorded_at": ([], ["2021-07-01T09:00:00+07:00", "yesterday"]),
}


@st.composite
def plausible_lines(draw: st.DrawFn, hostile: bool) -> dict[str, Any]:
    """An object shaped like an event line; a hostile one has wrong values and damaged fields."""

    def value(key: str) -> Any:
        good, bad = VALUES[key]
        wrong = not good or (hostile and draw(st.integers(0, 3)) == 0)
        return draw(st.sampled_from(bad if wrong else good))

    event = value("event")
    keys = ["effective_date", *FIELDS.get(event, ["programme"])]
    envelope = ["id", "note", "operator", "recorded_at"] if hostile else ["id", "note", "operator"]
    keys += draw(st.lists(st.sampled_from(envelope), max_size=2))
    obj: dict[str, Any] = {"event": event} | {key: value(key) for key in keys}
    if not hostile:
        return obj
    for key in draw(st.lists(st.sampled_from(["event", *keys]), max_size=2)):
        if draw(st.booleans()):
            obj.pop(key, None)
        else:
            obj[key] = draw(json_values)
    if draw(st.integers(0, 9)) == 0:
        obj[draw(st.text(PRINTABLE, min_size=1, max_size=8))] = draw(json_values)
    return obj


@st.composite
def raw_lines(draw: st.DrawFn, hostile: bool) -> bytes:
    """One line's bytes: JSON of a plausible object or, in a hostile file, damaged or random."""
    kind = draw(st.integers(0, 9)) if hostile else 0
    if kind <= 5:
        return json.dumps(draw(plausible_lines(hostile))).encode()
    if kind == 6:
        whole = json.dumps(draw(plausible_lines(hostile))).encode()
        return whole[: draw(st.integers(0, len(whole)))]
    if kind == 7:
        return json.dumps(draw(json_values)).encode()
    if kind == 8:
        return draw(st.text(max_size=40)).encode()
    return draw(st.binary(max_size=40)).replace(b"\n", b"")


@st.composite
def event_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A file name and its bytes: well-formed lines (that the rules may still refuse), or hostile."""
    hostile = draw(st.booleans())
    lines = draw(st.lists(raw_lines(hostile), min_size=1, max_size=8 if hostile else 3))
    end = draw(st.sampled_from([b"\n", b"\r\n"]))
    body = end.join(lines) + draw(st.sampled_from([end, b""]))
    if draw(st.booleans()):
        body = b"\xef\xbb\xbf" + body
    if draw(st.integers(0, 3)) == 0:
        packed = gzip.compress(body)
        if draw(st.booleans()):
            packed = packed[: draw(st.integers(0, len(packed)))]
        return "fuzz.jsonl.gz", packed
    return "fuzz.jsonl", body


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fuzz_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        url = str(tmp_path_factory.mktemp("fuzz") / "ledger.db")
    else:
        url = request.getfixturevalue("module_postgres_url")
    ledger = open_ledger(url, create=True)
    ledger.record_dicts([*SETUP[:3], {**SETUP[3], "id": "setup-enrolment"}], operator="setup")
    ledger.close()
    return url


EXAMPLES = {"sqlite": 100, "postgres": 30}  # PostgreSQL examples cost ~10x more (schema round trips)


def test_import_never_ends_in_a_traceback_and_a_refusal_changes_nothing(
    fuzz_store: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    @settings(max_examples=EXAMPLES["postgres" if fuzz_store.startswith("postgres") else "sqlite"],
              deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(file=event_files())
    def import_once(file: tuple[str, bytes]) -> None:
        name, content = file
        path = tmp_path_factory.mktemp("file") / name
        path.write_bytes(content)
        check_import(fuzz_store, path)

    import_once()


def check_import(store: str, path: Path) -> None:
    """Import one file: a receipt (and nothing more on a second try), or refusals and no change."""
    before = snapshot(store)

    result = CliRunner().invoke(cli, ["--store", store, "import", str(path)])

    assert isinstance(result.exception, SystemExit | None), result.exception
    assert "Traceback" not in result.stderr
    after = snapshot(store)
    event("recorded" if after != before else "already recorded" if result.exit_code == 0 else "refused")
    if result.exit_code == 0:
        recorded = after.events - before.events
        assert result.stdout.startswith(f"{path}: ")
        assert (f"recorded {recorded} events" in result.stdout) if recorded else (
            "already recorded" in result.stdout
        )
        again = CliRunner().invoke(cli, ["--store", store, "import", str(path)])
        assert again.exit_code == 0 and "already recorded" in again.stdout
        assert snapshot(store) == after
    else:
        assert result.exit_code == 1
        assert after == before
        *refusals, error = result.stderr.rstrip("\n").split("\n")
        assert error.startswith("Error: ")
        assert refusals, "a refused file names at least one line"
        for refusal in refusals:
            assert refusal.startswith(f"{path}:")
            line, field, _ = refusal.removeprefix(f"{path}:").split(": ", 2)
            assert int(line) >= 0 and field
