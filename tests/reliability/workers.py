"""Operator processes for the concurrency and crash tests.

`python workers.py plan STORE PLAN GO OUT` runs a plan of recordings against one store, as its
own OS process with its own connections, as operators in different provinces would. It waits
until the file GO exists (so all workers start together), then runs each step of PLAN (a JSON
list) and writes one JSON line per step to OUT as it finishes:

- `{"record": [objects]}`: record the objects as one batch (a single command when there is one);
- `{"import": "path"}`: import a file;
- `{"project": "path"}`: bring the projections file at path up to date with the store.

`python workers.py import STORE FILE FLUSH` imports one file, checking and writing FLUSH lines
at a time (the ledger's default is tens of thousands: smaller makes a test file go through
several writes before its commit), printing `checking N` as lines are checked and `recorded N`
at the end (or `failed …` and status 3 if the store could not complete it), for the crash tests
to kill it, or its connection, at any moment.

`python workers.py project STORE FACTS BATCH` brings the projections file FACTS up to date with
the store, BATCH events per committed step, printing `extracted N` after each.

A step that the store could not complete (`PersistenceError`: locked, connection lost) is retried,
as an operator would; the retries are counted. A refused batch is an answer, not a failure.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from eventsourcing.persistence import PersistenceError

from ledger.bootstrap import open_ledger
from ledger.errors import BatchRefused
from ledger.recording import batch, stage

RETRIES = 50


def run(store: str, plan: list[dict[str, Any]], go: Path, out: Path) -> None:
    ledger, retries = _open(store)
    out.with_suffix(".ready").write_text(str(retries))
    while not go.exists():
        time.sleep(0.005)
    with out.open("w") as results:
        for number, step in enumerate(plan):
            result = {"step": number, **_attempt(ledger, step)}
            results.write(json.dumps(result) + "\n")
            results.flush()
    ledger.close()


def _open(store: str) -> tuple[Any, int]:
    """Open the ledger, retrying as an operator would if the store says "try again"."""
    for retries in range(RETRIES + 1):
        try:
            return open_ledger(store), retries
        except PersistenceError:
            # E.g. the server is restarting: the CLI says "try again", and so the worker does.
            if retries == RETRIES:
                raise
            time.sleep(0.05 * (retries + 1))
    raise AssertionError("unreachable")


def _attempt(ledger: Any, step: dict[str, Any]) -> dict[str, Any]:
    from projections.facts import ProjectionsBusy
    from projections.service import Projections

    for retries in range(RETRIES + 1):
        try:
            if "project" in step:
                with Projections.of_store(ledger.store, path=Path(step["project"])) as projections:
                    return {"outcome": "projected", "retries": retries,
                            "position": projections.facts.position()}
            if "import" in step:
                receipt = ledger.import_file(Path(step["import"]), operator="worker")
            else:
                receipt = ledger.record_dicts(step["record"], operator="worker", source="<command>")
        except BatchRefused as refused:
            return {"outcome": "refused", "retries": retries,
                    "reasons": [f"{r.field}: {r.reason}" for r in refused.refusals]}
        except (PersistenceError, ProjectionsBusy) as error:
            if retries == RETRIES:
                return {"outcome": "failed", "retries": retries, "error": repr(error)}
            time.sleep(0.05 * (retries + 1))
            continue
        return {"outcome": "recorded" if receipt.count else "already", "retries": retries,
                "count": receipt.count, "already": receipt.already_recorded,
                "positions": [receipt.first_position, receipt.last_position]}
    raise AssertionError("unreachable")


def import_file(store: str, path: Path, flush: int) -> None:
    batch.WINDOW = stage.WINDOW = flush
    ledger = open_ledger(store)
    checked = 0

    def progress(lines: int) -> None:
        nonlocal checked
        checked += lines
        print(f"checking {checked}", flush=True)

    try:
        receipt = ledger.import_file(path, operator="crash", progress=progress)
    except PersistenceError as error:
        print(f"failed {error!r}", flush=True)
        sys.exit(3)
    print(f"recorded {receipt.count}", flush=True)


def project(store: str, facts: Path, batch_size: int) -> None:
    from projections.extract import catch_up
    from projections.service import Projections

    ledger = open_ledger(store)
    with Projections.of_store(ledger.store, path=facts, update=False) as projections:
        added = catch_up(projections.source, projections.facts, store=projections.store,
                         batch_size=batch_size,
                         progress=lambda done, _: print(f"extracted {done}", flush=True))
    print(f"done {added}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "plan":
        store_url, plan_file, go_file, out_file = sys.argv[2:6]
        run(store_url, json.loads(Path(plan_file).read_text()), Path(go_file), Path(out_file))
    elif sys.argv[1] == "project":
        store_url, facts_file, size = sys.argv[2:5]
        project(store_url, Path(facts_file), int(size))
    else:
        store_url, file, flush = sys.argv[2:5]
        import_file(store_url, Path(file), int(flush))
