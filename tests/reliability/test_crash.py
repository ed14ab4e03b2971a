"""Crash safety: an import killed with SIGKILL at any moment leaves none or all of its file.

Each kill lands at a seeded random moment: while the process starts, between the windows of lines
it checks and writes inside its one transaction, or around the commit. After every kill the store
must hold exactly what it held before, or that plus the whole file; the store must open and take
the next import; a rerun completes the file; and at the end the integrity chain verifies and every
event is there once, at gapless positions.

The same holds for a projection update: killed between or inside its batches, the facts file
still matches its recorded position, and the next update resumes from there and agrees with a
rebuild and with the independent reference model.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any

import pytest
from reliability_support import (
    LEDGER,
    SETUP,
    WORKER,
    assert_none_or_all,
    assert_projections_agree,
    assert_whole,
    enrolment,
    event_ids,
    jsonl,
    payment,
    snapshot,
)

from ledger.bootstrap import open_ledger
from projections.service import Projections

LINES = 2_000  # per file: enrolments and their payments
WINDOW = 250  # lines checked, and events written, at a time inside the import's transaction


def _file(folder: Path, name: str, pay_every: int = 1) -> tuple[Path, set[str]]:
    """An event log of enrolments and payments to them; returns it and its event keys."""
    objs: list[dict[str, Any]] = []
    for n in range(LINES // 2):
        beneficiary = f"{name}-{n:05d}"
        objs.append(enrolment(beneficiary, district=("1703", "1306")[n % 2], id=f"{name}-e{n}"))
        if n % pay_every == 0:
            objs.append(payment(f"{name}-P{n}", beneficiary=beneficiary, id=f"{name}-p{n}"))
    path = folder / f"{name}.jsonl"
    path.write_bytes(jsonl(objs))
    return path, {f"id:{obj['id']}" for obj in objs}


def _start_import(store: str, path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(WORKER), "import", store, str(path), str(WINDOW)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _read_until(stream: IO[str], windows: int) -> str:
    """Read the worker's progress until it has checked `windows` windows (or it ends)."""
    seen = ""
    for _ in range(windows):
        line = stream.readline()
        seen += line
        if not line.startswith("checking"):
            break
    return seen


def _kill_once(store: str, path: Path, rng: random.Random) -> str:
    """Run one import and SIGKILL it at a random moment; return where it was."""
    process = _start_import(store, path)
    assert process.stdout is not None
    moment = rng.random()
    windows = LINES // WINDOW
    if moment < 0.2:
        time.sleep(rng.uniform(0.0, 0.6))  # often still starting: opening the store, reading
        seen = ""
    elif moment < 0.85:
        seen = _read_until(process.stdout, rng.randint(1, windows - 1))  # between windows
        time.sleep(rng.uniform(0.0, 0.03))
    else:
        seen = _read_until(process.stdout, windows)  # all checked: the last write, the commit
        time.sleep(rng.uniform(0.0, 0.02))
    os.kill(process.pid, signal.SIGKILL)
    rest, _ = process.communicate()
    seen += rest
    if "recorded" in seen:
        return "finished"
    if process.returncode != -signal.SIGKILL:
        raise AssertionError(f"the import ended with {process.returncode}: {seen}")
    return "checking" if "checking" in seen else "starting"


@pytest.mark.slow
def test_an_import_killed_at_random_moments_leaves_none_or_all_of_its_file(
    store_url: str, tmp_path: Path
) -> None:
    rng = random.Random(f"crash-{store_url.split(':')[0]}")
    ledger = open_ledger(store_url, create=True)
    ledger.record_dicts(SETUP, operator="setup")
    ledger.close()
    expected = set(event_ids(store_url))
    phases: Counter[str] = Counter()

    for name in ("A", "B", "C"):
        path, keys = _file(tmp_path, name)
        for _ in range(3):
            before = snapshot(store_url)
            phases[_kill_once(store_url, path, rng)] += 1
            if assert_none_or_all(store_url, before, keys):
                break
        rerun = _start_import(store_url, path)
        stdout, stderr = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, stderr
        assert stdout.splitlines()[-1] in (f"recorded {LINES}", "recorded 0")
        expected |= keys
        assert_whole(store_url, expected)

    # The seeded draws send several kills between windows, inside the import's transaction; how
    # many of the others land before the commit depends on the machine's speed and load.
    assert phases["checking"] >= 2, phases


def test_the_console_script_killed_mid_import_then_rerun(store_url: str, tmp_path: Path) -> None:
    """The same through `ledger import` itself, killed after a seeded random delay."""
    rng = random.Random(f"cli-crash-{store_url.split(':')[0]}")
    ledger = open_ledger(store_url, create=True)
    ledger.record_dicts(SETUP, operator="setup")
    ledger.close()
    expected = set(event_ids(store_url))
    path, keys = _file(tmp_path, "CLI")
    for _ in range(2):
        before = snapshot(store_url)
        process = subprocess.Popen([str(LEDGER), "--store", store_url, "import", str(path)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(1.0, 3.0))
        os.kill(process.pid, signal.SIGKILL)
        process.communicate()
        assert_none_or_all(store_url, before, keys)

    rerun = subprocess.run([str(LEDGER), "--store", store_url, "import", str(path)],
                           capture_output=True, text=True, timeout=120, check=False)

    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.startswith(f"{path}: recorded {LINES} events") or (
        rerun.stdout.strip() == f"{path}: already recorded: {LINES}"
    )
    assert_whole(store_url, expected | keys)


EXTRACT_BATCH = 100  # events extracted and committed (with the position) at a time


def _facts_consistent(store: str, path: Path) -> int:
    """The facts file opens, and holds exactly the events up to its recorded position."""
    ledger = open_ledger(store)
    try:
        with Projections.of_store(ledger.store, path=path, update=False) as projections:
            position = projections.facts.position()
            count, highest = projections.connection.execute(
                "SELECT count(*), coalesce(max(position), 0) FROM facts").fetchone() or (0, 0)
    finally:
        ledger.close()
    assert count == highest == position
    return position


@pytest.mark.slow
def test_a_projection_update_killed_midway_resumes_and_agrees(store_url: str, tmp_path: Path) -> None:
    rng = random.Random(f"projection-crash-{store_url.split(':')[0]}")
    ledger = open_ledger(store_url, create=True)
    ledger.record_dicts(SETUP, operator="setup")
    for name in ("P", "Q"):
        # Few payments: the reference model's payments table is slow by design (quadratic).
        ledger.import_file(_file(tmp_path, name, pay_every=25)[0], operator="setup")
    facts = tmp_path / "facts.duckdb"
    positions = []
    stored = []

    for round_ in range(4):
        process = subprocess.Popen(
            [sys.executable, str(WORKER), "project", store_url, str(facts), str(EXTRACT_BATCH)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert process.stdout is not None
        _read_lines(process.stdout, rng.randint(1, 3))  # at least one step committed
        time.sleep(rng.uniform(0.0, 0.05))
        os.kill(process.pid, signal.SIGKILL)
        process.communicate()
        positions.append(_facts_consistent(store_url, facts))
        stored.append(ledger.store.max_position())
        # The store moves on between updates.
        ledger.record_dicts([enrolment(f"MORE-{round_}-{n}", id=f"more-{round_}-{n}")
                             for n in range(EXTRACT_BATCH)], operator="later")
    ledger.close()

    assert positions == sorted(positions)  # each update resumed where the last one stopped
    assert any(0 < position < top for position, top in zip(positions, stored, strict=True))
    assert_projections_agree(store_url, facts)


def _read_lines(stream: IO[str], count: int) -> None:
    for _ in range(count):
        if not stream.readline():
            return
