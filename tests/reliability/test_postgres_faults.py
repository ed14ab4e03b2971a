"""PostgreSQL faults: the connection dropped mid-work gives a clear error (or the work is complete),
never a half-written file or a lost event.

Connections are dropped the way a DBA or a failing network would: `pg_terminate_backend` from
another connection, aimed at the import's own backends (found by the application name the test
gives them through PGAPPNAME), at seeded random moments inside the import's transaction. The
server itself is never restarted here, since other tests share it; see benchmarks/bench_stress.py
`--restart-postgres` for that.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import IO

import psycopg
import pytest
from eventsourcing.persistence import PersistenceError
from reliability_support import (
    LEDGER,
    SETUP,
    WORKER,
    assert_none_or_all,
    assert_whole,
    enrolment,
    event_ids,
    jsonl,
    payment,
    schema_of,
    server_url,
    snapshot,
)

from ledger.bootstrap import open_ledger

pytestmark = pytest.mark.postgres

LINES = 2_000
WINDOW = 250
TRY_AGAIN = "Error: the store could not complete the request"


def _file(folder: Path, name: str) -> tuple[Path, set[str]]:
    objs = []
    for n in range(LINES // 2):
        beneficiary = f"{name}-{n:05d}"
        objs.append(enrolment(beneficiary, district=("1703", "1306")[n % 2], id=f"{name}-e{n}"))
        objs.append(payment(f"{name}-P{n}", beneficiary=beneficiary, id=f"{name}-p{n}"))
    path = folder / f"{name}.jsonl"
    path.write_bytes(jsonl(objs))
    return path, {f"id:{obj['id']}" for obj in objs}


def _set_up(store: str) -> set[str]:
    ledger = open_ledger(store, create=True)
    ledger.record_dicts(SETUP, operator="setup")
    ledger.close()
    return set(event_ids(store))


def _terminate(store: str, application: str) -> int:
    """Drop every connection the named application has open; return how many."""
    with psycopg.connect(server_url(store), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()", (application,)
        ).fetchall()
    return sum(1 for (done,) in rows if done)


def _holds_write_lock(store: str, application: str) -> bool:
    with psycopg.connect(server_url(store), autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE l.relation = to_regclass(%s) AND l.mode = 'ExclusiveLock' AND l.granted "
            "AND a.application_name = %s",
            (f'"{schema_of(store)}".ledger_events', application),
        ).fetchone()
    return bool(row and row[0])


def _env(application: str) -> dict[str, str]:
    return {**os.environ, "PGAPPNAME": application}


def _read_until(stream: IO[str], windows: int) -> str:
    seen = ""
    for _ in range(windows):
        line = stream.readline()
        seen += line
        if not line.startswith("checking"):
            break
    return seen


@pytest.mark.slow
def test_an_import_whose_connection_is_dropped_mid_transaction_records_none_or_all(
    postgres_url: str, tmp_path: Path
) -> None:
    rng = random.Random("postgres-drop")
    expected = _set_up(postgres_url)
    outcomes = []
    for name in ("A", "B", "C"):
        path, keys = _file(tmp_path, name)
        application = f"fault-{uuid.uuid4().hex[:8]}"
        before = snapshot(postgres_url)
        process = subprocess.Popen(
            [sys.executable, str(WORKER), "import", postgres_url, str(path), str(WINDOW)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(application),
        )
        assert process.stdout is not None
        seen = _read_until(process.stdout, rng.randint(1, LINES // WINDOW))
        time.sleep(rng.uniform(0.0, 0.03))
        _terminate(postgres_url, application)
        rest, stderr = process.communicate(timeout=120)
        seen += rest

        recorded = assert_none_or_all(postgres_url, before, keys)

        if process.returncode == 0:
            assert recorded and f"recorded {LINES}" in seen  # the drop came after the commit
        else:
            assert process.returncode == 3, stderr  # a PersistenceError, not a crash
            assert "failed OperationalError" in seen  # "terminating connection", "server closed…"
            assert not recorded
        outcomes.append("recorded" if recorded else "dropped")
        rerun = subprocess.run(
            [sys.executable, str(WORKER), "import", postgres_url, str(path), str(WINDOW)],
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert rerun.returncode == 0, rerun.stderr
        expected |= keys
        assert_whole(postgres_url, expected)
    assert outcomes.count("dropped") >= 2, outcomes


def test_the_console_script_reports_a_dropped_connection_and_a_rerun_completes(
    postgres_url: str, tmp_path: Path
) -> None:
    expected = _set_up(postgres_url)
    path, keys = _file(tmp_path, "CLI")
    application = f"fault-{uuid.uuid4().hex[:8]}"
    before = snapshot(postgres_url)
    process = subprocess.Popen([str(LEDGER), "--store", postgres_url, "import", str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=_env(application))
    deadline = time.monotonic() + 60
    while not _holds_write_lock(postgres_url, application) and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    _terminate(postgres_url, application)
    stdout, stderr = process.communicate(timeout=120)

    recorded = assert_none_or_all(postgres_url, before, keys)

    if process.returncode != 0:
        assert not recorded
        assert process.returncode == 1 and stdout == ""
        [message] = stderr.splitlines()
        assert message.startswith(TRY_AGAIN)
        assert message.endswith("nothing was recorded — try again")
    rerun = subprocess.run([str(LEDGER), "--store", postgres_url, "import", str(path)],
                           capture_output=True, text=True, timeout=120, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert_whole(postgres_url, expected | keys)


def test_a_long_running_process_survives_its_connections_being_dropped(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each attempt after the drop either records or fails with a clear, retryable error; the
    pool then reconnects, and nothing is lost or doubled."""
    application = f"fault-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PGAPPNAME", application)
    expected = _set_up(postgres_url)
    ledger = open_ledger(postgres_url)
    ledger.record_dicts([enrolment("LONG-0", id="long-0")], operator="service")
    failures = dropped = 0

    for n in range(1, 6):
        terminated = _terminate(postgres_url, application)
        assert terminated >= 1
        dropped += terminated
        for _attempt in range(10):
            try:
                ledger.record_dicts([enrolment(f"LONG-{n}", id=f"long-{n}")], operator="service")
                break
            except PersistenceError as error:
                assert "connection" in str(error)
                failures += 1
        else:
            pytest.fail("the ledger never reconnected")
    ledger.close()

    assert_whole(postgres_url, expected | {f"id:long-{n}" for n in range(6)})
    assert failures <= dropped  # each dropped connection fails one attempt at most
