"""Several operators at once: four OS processes appending to one SQLite file or one PostgreSQL database.

Every event is recorded exactly once, positions stay gapless, the integrity chain verifies, the
rules still hold across processes (of operators enrolling the same beneficiary at once exactly one
wins and the others are told why), and a file imported by several operators at once is recorded
once. Operators are real processes (`workers.py`, or the `ledger` console script itself).
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from reliability_support import (
    LEDGER,
    SETUP,
    assert_projections_agree,
    enrolment,
    event_ids,
    jsonl,
    payment,
    run_workers,
    stored_positions,
)

from ledger.audit.verify import verify
from ledger.bootstrap import open_ledger

WORKERS = 4


def _set_up(store: str) -> set[str]:
    """Record the set-up history; return the keys of its events (their ids are derived)."""
    ledger = open_ledger(store, create=True)
    ledger.record_dicts(SETUP, operator="setup")
    ledger.close()
    return set(event_ids(store))


def _assert_whole(store: str, expected_ids: set[str]) -> None:
    """Exactly the expected events, each once, at positions 1..N, with a chain that verifies."""
    ids = event_ids(store)
    assert len(ids) == len(set(ids))
    assert set(ids) == expected_ids
    positions = stored_positions(store)
    assert positions == list(range(1, len(expected_ids) + 1))
    ledger = open_ledger(store)
    verification = verify(ledger.store)
    ledger.close()
    assert verification.ok, verification.first
    assert verification.events == len(expected_ids)


@pytest.mark.slow
def test_four_operators_recording_at_once_lose_nothing_and_double_nothing(
    store_url: str, tmp_path: Path
) -> None:
    """Single commands, own files and one file shared by all four, interleaved across processes,
    with each process also bringing one shared projections file up to date now and then."""
    setup = _set_up(store_url)
    facts = tmp_path / "facts.duckdb"
    shared = tmp_path / "shared.jsonl"
    shared.write_bytes(jsonl([enrolment(f"S-{n:03d}", id=f"shared-{n}") for n in range(100)]))
    plans: list[list[dict[str, Any]]] = []
    expected = {f"shared-{n}" for n in range(100)}
    for w in range(WORKERS):
        own = tmp_path / f"own-{w}.jsonl"
        own.write_bytes(jsonl([enrolment(f"I-{w}-{n:03d}", district="1306", id=f"own-{w}-{n}")
                               for n in range(150)]))
        plan: list[dict[str, Any]] = []
        for k in range(12):
            plan.append({"record": [enrolment(f"B-{w}-{k}", id=f"enrol-{w}-{k}")]})
            if k == 4:
                plan.append({"import": str(own)})
            if k == 8:
                plan.append({"import": str(shared)})
            if k % 4 == 3:
                plan.append({"project": str(facts)})
            plan.append({"record": [payment(f"P-{w}-{k}", beneficiary=f"B-{w}-{k}",
                                            id=f"pay-{w}-{k}")]})
        plans.append(plan)
        expected |= {f"own-{w}-{n}" for n in range(150)}
        expected |= {f"enrol-{w}-{k}" for k in range(12)} | {f"pay-{w}-{k}" for k in range(12)}

    results = run_workers(store_url, plans, tmp_path / "run")

    shared_imports = []
    for plan, steps in zip(plans, results, strict=True):
        assert len(steps) == len(plan)
        for step, result in zip(plan, steps, strict=True):
            if step.get("import") == str(shared):
                shared_imports.append(result)
            elif "project" in step:
                assert result["outcome"] == "projected", result
            else:
                assert result["outcome"] == "recorded", result
                assert result["count"] == (150 if "import" in step else 1)
    assert sorted(r["outcome"] for r in shared_imports) == ["already"] * 3 + ["recorded"]
    assert sorted(r["count"] for r in shared_imports) == [0, 0, 0, 100]
    assert all(r["already"] == 100 for r in shared_imports if r["outcome"] == "already")
    _assert_whole(store_url, setup | {"id:" + i for i in expected})
    assert_projections_agree(store_url, facts)


def test_operators_enrolling_the_same_beneficiary_at_once_exactly_one_wins(
    store_url: str, tmp_path: Path
) -> None:
    """Each contested beneficiary is enrolled by all four (each in another district): one wins."""
    _set_up(store_url)
    districts = ["1703", "1306", "1703", "1306"]
    rounds = 15
    plans = [
        [{"record": [enrolment(f"R-{r:02d}", district=districts[w], sex="FM"[w % 2],
                               id=f"race-{r}-by-{w}")]} for r in range(rounds)]
        for w in range(WORKERS)
    ]
    # The same fact sent by all four (same content, no id): recorded once, "already" for the rest.
    for plan in plans:
        plan.extend({"record": [enrolment(f"D-{r:02d}")]} for r in range(5))

    results = run_workers(store_url, plans, tmp_path / "run")

    winners: dict[int, int] = {}
    for w, steps in enumerate(results):
        for r, result in enumerate(steps[:rounds]):
            if result["outcome"] == "recorded":
                assert r not in winners, f"R-{r:02d} enrolled twice"
                winners[r] = w
            else:
                assert result["outcome"] == "refused", result
                [reason] = result["reasons"]
                assert reason.startswith("beneficiary: the beneficiary is already active"), reason
                assert "[rule 3]" in reason
    assert sorted(winners) == list(range(rounds))
    duplicates = Counter(result["outcome"] for steps in results for result in steps[rounds:])
    assert duplicates == {"recorded": 5, "already": 15}

    ledger = open_ledger(store_url)
    stored = {event.event_id: event for _, event in ledger.stored_events()}
    ledger.close()
    for r, w in winners.items():
        won = stored[f"race-{r}-by-{w}"]
        assert won.district == districts[w]
        assert not any(f"race-{r}-by-{o}" in stored for o in range(WORKERS) if o != w)
    assert len(stored) == len(SETUP) + rounds + 5
    assert stored_positions(store_url) == list(range(1, len(stored) + 1))


TRY_AGAIN = "Error: the store could not complete the request"


def _run_at_once(store: str, commands: list[list[str]]) -> list[tuple[int, str, str]]:
    """Start every command at once; rerun any the store asked to try again, as operators would."""
    results: dict[int, tuple[int, str, str]] = {}
    pending = list(range(len(commands)))
    for _ in range(10):
        processes = {
            n: subprocess.Popen([str(LEDGER), "--store", store, "--operator", "cli", *commands[n]],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for n in pending
        }
        for n, process in processes.items():
            stdout, stderr = process.communicate(timeout=120)
            results[n] = (process.returncode, stdout, stderr)
        pending = [n for n in pending if results[n][2].startswith(TRY_AGAIN)]
        if not pending:
            break
    return [results[n] for n in range(len(commands))]


def test_four_operators_enrolling_one_beneficiary_with_the_console_script(
    store_url: str, tmp_path: Path
) -> None:
    """`ledger enrol` run by four operators at once: one receipt, three clear errors."""
    _set_up(store_url)
    births = ["2021-01-01", "2021-02-01", "2021-03-01", "2021-04-01"]  # four different facts
    commands = [["enrol", "mcw", "CLI-1", "--sex", "F", "--district", ("1703", "1306")[n % 2],
                 "--birth-date", birth, "--effective", "2021-07-01", "--format", "json"]
                for n, birth in enumerate(births)]

    results = _run_at_once(store_url, commands)

    assert sorted(status for status, _, _ in results) == [0, 1, 1, 1]
    for status, stdout, stderr in results:
        if status == 0:
            [receipt] = json.loads(stdout)
            assert receipt["event"] == "BeneficiaryEnrolled"
            assert receipt["position"] == len(SETUP) + 1
        else:
            assert stdout == ""
            assert stderr.startswith("Error: beneficiary: the beneficiary is already active")
            assert "[rule 3]" in stderr
            assert stderr.rstrip().endswith("nothing was recorded")
    assert stored_positions(store_url) == list(range(1, len(SETUP) + 2))
