"""An operator process for the concurrency tests: runs a plan of recordings against one store.

Run as a script (`python workers.py STORE PLAN GO OUT`), so every worker is its own OS process with
its own connections, as operators in different provinces would be. It waits until the file GO
exists (so all workers start together), then runs each step of PLAN (a JSON list) and writes one
JSON line per step to OUT as it finishes:

- `{"record": [objects]}`: record the objects as one batch (a single command when there is one);
- `{"import": "path"}`: import a file.

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
            # Opening runs the library's CREATE ... IF NOT EXISTS / CREATE OR REPLACE FUNCTION
            # statements; on PostgreSQL two processes opening at once can collide there
            # ("tuple concurrently updated"), which the CLI reports as "try again".
            if retries == RETRIES:
                raise
            time.sleep(0.05 * (retries + 1))
    raise AssertionError("unreachable")


def _attempt(ledger: Any, step: dict[str, Any]) -> dict[str, Any]:
    for retries in range(RETRIES + 1):
        try:
            if "import" in step:
                receipt = ledger.import_file(Path(step["import"]), operator="worker")
            else:
                receipt = ledger.record_dicts(step["record"], operator="worker", source="<command>")
        except BatchRefused as refused:
            return {"outcome": "refused", "retries": retries,
                    "reasons": [f"{r.field}: {r.reason}" for r in refused.refusals]}
        except PersistenceError as error:
            if retries == RETRIES:
                return {"outcome": "failed", "retries": retries, "error": repr(error)}
            time.sleep(0.05 * (retries + 1))
            continue
        return {"outcome": "recorded" if receipt.count else "already", "retries": retries,
                "count": receipt.count, "already": receipt.already_recorded,
                "positions": [receipt.first_position, receipt.last_position]}
    raise AssertionError("unreachable")


if __name__ == "__main__":
    store_url, plan_file, go_file, out_file = sys.argv[1:5]
    run(store_url, json.loads(Path(plan_file).read_text()), Path(go_file), Path(out_file))
