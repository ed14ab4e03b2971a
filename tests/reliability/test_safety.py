"""Names and paths stay where they belong; `query` reads and never writes.

Programme codes and beneficiary ids are checked against their patterns before anything else, and
neither ever becomes part of a file name: a replay writes exactly `DIR/<table>/as_of=<D>/
data.parquet` for the five tables, under `--out` and nowhere else. The projections file of a
PostgreSQL store is named from its database and schema, flattened to one safe file name in the
working directory. `query` accepts one SELECT: anything else is refused (an EXPLAIN too, since
EXPLAIN ANALYZE runs what it explains), it reads only its views' own files, and neither the store
nor its projections change; it stops with a clear error past its memory or time limit.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from reliability_support import SETUP, enrolment, jsonl, snapshot

from cli.main import cli
from ledger.bootstrap import open_ledger
from projections.location import projections_file

TABLES = {"beneficiary_counts", "district_reach", "programme_summary", "payments", "monthly",
          "coverage", "districts"}


def _ledger(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert isinstance(result.exception, SystemExit | None), result.exception
    return result.exit_code, result.stdout, result.stderr


def _tree(root: Path) -> dict[str, str]:
    """Every file under `root` with a digest of its bytes."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*")) if path.is_file()
    }


def _names(root: Path) -> set[str]:
    """The files under `root`, less the databases' own journals (which come and go)."""
    return {str(path.relative_to(root)) for path in root.rglob("*")
            if not path.name.endswith(("-wal", "-shm", ".wal"))}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite ledger in a folder of its own, with its projections built."""
    url = str(tmp_path_factory.mktemp("store") / "ledger.db")
    ledger = open_ledger(url, create=True)
    ledger.record_dicts([*SETUP, enrolment("..", sex="M"), enrolment("."),
                         enrolment("-rf"), enrolment("etc.passwd")], operator="setup")
    ledger.close()
    status, _, stderr = _ledger("--store", url, "counts", "--as-of", "2025-12-31")
    assert status == 0, stderr
    return url


@pytest.mark.parametrize("code", ["../mcw", "mcw/..", "..", ".", "/etc", "a\\b", "MCW", "mcw ",
                                  "-mcw", "", "m" * 41, "mcw\n"])
def test_a_programme_code_that_could_be_a_path_is_refused(code: str, store: str,
                                                          tmp_path: Path) -> None:
    before = snapshot(store)
    path = tmp_path / "register.jsonl"
    path.write_bytes(jsonl([{"event": "ProgrammeRegistered", "effective_date": "2021-06-01",
                             "programme": code, "name": "x", "benefit": "cash"}]))

    status, _, stderr = _ledger("--store", store, "import", str(path))

    assert status == 1
    assert stderr.startswith(f"{path}:1: programme: ")
    assert snapshot(store) == before


@pytest.mark.parametrize("beneficiary", ["../x", "a/b", "/etc/passwd", "a\\b", "a b", "", "é",
                                         "x" * 65, "x\x00"])
def test_a_beneficiary_id_that_could_be_a_path_is_refused(beneficiary: str, store: str) -> None:
    before = snapshot(store)

    status, _, stderr = _ledger("--store", store, "enrol", "mcw", beneficiary, "--district",
                                "1703", "--sex", "F", "--effective", "2021-07-01")

    assert status == 1
    assert stderr.startswith("Error: beneficiary: ")
    assert snapshot(store) == before


@pytest.mark.parametrize("out", ["out", "with space/and é", "a/../b", "deep/er/still"])
def test_replay_writes_its_tables_under_out_and_nothing_elsewhere(
    out: str, store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beneficiaries called `..`, `.`, `-rf` and `etc.passwd` are in the store: no file is named
    after them, or after anything else the store holds."""
    monkeypatch.chdir(tmp_path)
    beside_store = _names(Path(store).parent)
    before = snapshot(store)

    status, _, stderr = _ledger("--store", store, "replay", "--as-of", "2025-12-31", "--out", out)

    assert status == 0, stderr
    root = os.path.normpath(out)
    assert set(_tree(tmp_path)) == {f"{root}/{table}/as_of=2025-12-31/data.parquet"
                                    for table in TABLES}
    assert _names(Path(store).parent) == beside_store
    assert snapshot(store) == before


@pytest.mark.parametrize("query_string", [
    "?schema=../../etc", "?schema=a/b", "?schema=..", "?schema=%2F..%2Fx",
])
def test_a_postgres_stores_projections_file_stays_in_the_working_directory(
    query_string: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEDGER_PROJECTIONS", raising=False)
    for database in ("test", "..", "a%2Fb"):
        path = projections_file(f"postgresql://postgres@127.0.0.1:5432/{database}{query_string}")
        assert path.parent == tmp_path
        assert "/" not in path.name and path.name not in (".", "..")
        assert path.name.endswith(".projections.duckdb")


NOT_READ_ONLY = [
    ("DELETE FROM payments", "only SELECT"),
    ("UPDATE payments SET amount = 0", "only SELECT"),
    ("INSERT INTO monthly VALUES (1)", "only SELECT"),
    ("DROP VIEW payments", "only SELECT"),
    ("CREATE TABLE copied AS SELECT 1", "only SELECT"),
    ("ATTACH 'ledger.db' AS store", "only SELECT"),
    ("ATTACH 'ledger.projections.duckdb' AS facts", "only SELECT"),
    ("DETACH memory", "only SELECT"),
    ("COPY (SELECT 42) TO 'ledger.db' (FORMAT csv)", "only SELECT"),
    ("EXPORT DATABASE 'exported'", "only SELECT"),
    ("INSTALL sqlite", "only SELECT"),
    ("LOAD sqlite", "only SELECT"),
    ("PRAGMA database_list", "only SELECT"),
    ("SET memory_limit = '1GB'", "only SELECT"),
    ("CALL pragma_version()", "only SELECT"),
    ("CHECKPOINT", "only SELECT"),
    ("VACUUM", "only SELECT"),
    ("SELECT 1; DROP TABLE facts", "exactly one SQL statement"),
    ("SELECT 1; COPY (SELECT 1) TO 'x.csv'", "exactly one SQL statement"),
    ("SELECT * FROM facts", "facts"),
    ("SELECT * FROM progress", "progress"),
]


def _projections_content(store: str) -> list[tuple[object, ...]]:
    connection = duckdb.connect(str(projections_file(store)), read_only=True)
    try:
        return [*connection.execute("SELECT * FROM progress").fetchall(),
                *connection.execute("SELECT * FROM facts ORDER BY position").fetchall()]
    finally:
        connection.close()


def test_query_refuses_anything_but_one_select_and_changes_nothing(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = Path(store).parent
    monkeypatch.chdir(folder)  # where `ledger.db` in a statement would point
    store_before = snapshot(store)
    facts_before = _projections_content(store)
    files_before = _names(folder)

    for statement, words in NOT_READ_ONLY:
        status, stdout, stderr = _ledger("--store", store, "query", "--as-of", "2025-12-31",
                                         statement)
        assert status == 1, (statement, stdout)
        assert stderr.startswith("Error: ") and words in stderr, (statement, stderr)

    status, stdout, _ = _ledger("--store", store, "query", "--as-of", "2025-12-31", "--format",
                                "csv", "SELECT active_beneficiaries FROM programme_summary")
    assert status == 0 and stdout.splitlines() == ["active_beneficiaries", "5"]
    assert snapshot(store) == store_before
    assert _projections_content(store) == facts_before
    assert _names(folder) == files_before


def test_query_over_a_replay_folder_is_read_only_too(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, _, stderr = _ledger("--store", store, "replay", "--as-of", "2025-12-31", "--out", "out")
    assert status == 0, stderr
    files_before = _tree(tmp_path)

    for statement, words in NOT_READ_ONLY[:19]:
        status, _, stderr = _ledger("--store", store, "query", "--out", "out", statement)
        assert status == 1 and words in stderr, (statement, stderr)

    assert _tree(tmp_path) == files_before


def test_query_cannot_reach_files_through_a_select_or_explain_analyze(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, _, stderr = _ledger("--store", store, "replay", "--as-of", "2025-12-31", "--out", "out")
    assert status == 0, stderr
    store_before = snapshot(store)
    files_before = _tree(tmp_path)
    escapes = [
        (f"EXPLAIN ANALYZE COPY (SELECT 42 AS x) TO '{store}' (FORMAT csv)", "only SELECT"),
        ("SELECT * FROM read_csv('/etc/passwd')", "Permission"),
        (f"SELECT * FROM read_text('{store}')", "Permission"),
    ]

    for where in (["--as-of", "2025-12-31"], ["--out", "out"]):
        for statement, words in escapes:
            status, _, stderr = _ledger("--store", store, "query", *where, statement)
            assert status == 1 and words in stderr, (where, statement, stderr)

    status, stdout, _ = _ledger("--store", store, "query", "--out", "out", "--format", "csv",
                                "SELECT count(*) AS n FROM programme_summary")
    assert status == 0 and stdout.splitlines()[0] == "n"
    assert snapshot(store) == store_before
    assert _tree(tmp_path) == files_before


ESCAPES_FROM_THE_STORES_FOLDER = [
    "EXPLAIN (ANALYZE) COPY (SELECT 1) TO 'ledger.db'",
    "/**/ EXPLAIN ANALYZE COPY (SELECT 1) TO 'ledger.db'",
    "/* a */ explain /* b */ (analyze true) COPY (SELECT 1) TO 'ledger.db'",
    "EXPLAIN SELECT 1",
    "WITH x AS (SELECT 1) SELECT * FROM read_text('ledger.db')",
    "SELECT * FROM (SELECT * FROM read_blob('ledger.db'))",
    "SELECT * FROM read_parquet('*/*/*.parquet')",
    "SELECT * FROM glob('*')",
    "SELECT * FROM read_csv('ledger.db-wal')",
    "SELECT * FROM 'ledger.projections.duckdb'",
]


def test_a_replay_folder_that_holds_the_store_gives_no_way_to_its_files(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The case: `--out .` beside the store, where a folder-wide permission would
    # reach the store itself.
    folder = Path(store).parent
    monkeypatch.chdir(folder)
    status, _, stderr = _ledger("--store", store, "replay", "--as-of", "2025-12-31", "--out", ".")
    assert status == 0, stderr
    store_before = snapshot(store)
    files_before = _tree(folder)

    for statement in ESCAPES_FROM_THE_STORES_FOLDER:
        status, stdout, stderr = _ledger("--store", store, "query", "--out", ".", statement)
        assert status == 1 and stderr.startswith("Error: "), (statement, stdout, stderr)

    status, stdout, _ = _ledger("--store", store, "query", "--out", ".", "--format", "csv",
                                "SELECT count(*) AS n FROM monthly")
    assert status == 0 and stdout.splitlines()[0] == "n"
    assert snapshot(store) == store_before
    assert _tree(folder) == files_before


@pytest.mark.parametrize("where", [["--as-of", "2025-12-31"], ["--out", "out"]])
def test_a_query_stops_at_its_time_limit(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _ledger("--store", store, "replay", "--as-of", "2025-12-31", "--out", "out")[0] == 0
    status, _, stderr = _ledger(
        "--store", store, "query", *where, "--timeout", "1",
        "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b",
    )
    assert status == 1
    assert stderr.strip() == "Error: the query was stopped at the time limit of 1 s (--timeout)"


def test_a_query_stops_at_its_memory_limit(store: str) -> None:
    status, _, stderr = _ledger(
        "--store", store, "query", "--as-of", "2025-12-31", "--memory-limit", "64MB",
        "SELECT string_agg(range::VARCHAR, ',') FROM range(100000000)",
    )
    assert status == 1
    assert stderr.strip() == (
        "Error: the query needs more than the memory limit of 64MB (--memory-limit)"
    )


def test_a_memory_limit_that_is_not_a_size_is_refused(store: str) -> None:
    status, _, stderr = _ledger("--store", store, "query", "--as-of", "2025-12-31",
                                "--memory-limit", "lots", "SELECT 1")
    assert status == 1 and "--memory-limit 'lots' is not a size" in stderr
