"""Signed checkpoints at scale (SPEC §8): the first checkpoint, one after 10,000 more events,
`verify --checkpoint`, and one inclusion proof — beside a raw read of every event in the same run.

    .venv/bin/python -m benchmarks.bench_checkpoint                    # 10M events
    .venv/bin/python -m benchmarks.bench_checkpoint --events 1000000   # a quicker run

The ledger is bench_projections' synthetic one (cached in benchmarks/work/), copied so its tree
and checkpoints start empty. Steps, each in a fresh process (benchmarks/common.py):
1. baseline: a raw SQLite read of every event (baselines.raw_read, SPEC §9's "raw row read");
2. the first checkpoint: every event hashed, the tree's blocks stored, the note signed and kept;
3. 10,000 events appended, then a checkpoint again: only the new events are hashed;
4. `verify --checkpoint` against the first checkpoint: every event hashed again from its bytes,
   the roots compared, the consistency proof to today's size computed and verified, the kept
   checkpoints reproduced;
5. `prove` of one event in the middle against the latest checkpoint, and `prove --check` of it.

The ratio is the baseline's time ÷ the step's (docs/performance.md's convention: > 1 is faster
than reading every event, which is what a root or a proof would cost without the stored tree).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.bench_projections import TAIL, append_tail, build
from benchmarks.common import (
    WORK,
    Result,
    copy_file,
    fmt_rate,
    fmt_ratio,
    fmt_seconds,
    log,
    print_table,
    rate,
    save_results,
    step,
    timer,
)

KEY = "bench.example/ledger"


def make_checkpoint(store: str, key: str, out: str) -> Result:
    from ledger.audit.checkpoint import make_checkpoint as make
    from ledger.audit.keyfiles import read_signer
    from ledger.bootstrap import open_ledger

    ledger = open_ledger(store)
    signer = read_signer(Path(key))
    cpu = time.process_time()
    with timer() as elapsed:
        made = make(ledger.store, signer, now=dt.datetime.now(dt.UTC))
    cpu = time.process_time() - cpu
    Path(out).write_text(made.text)
    ledger.close()
    return {"size": made.checkpoint.size, "hashed": made.hashed, "seconds": elapsed(),
            "cpu_s": cpu}


def verify_against(store: str, public: str, note: str) -> Result:
    from ledger.audit.against import check_checkpoint
    from ledger.audit.keyfiles import read_verifier
    from ledger.bootstrap import open_ledger

    ledger = open_ledger(store)
    key = read_verifier(Path(public))
    cpu = time.process_time()
    with timer() as elapsed:
        found = check_checkpoint(ledger.store, Path(note).read_text(), key)
    cpu = time.process_time() - cpu
    ledger.close()
    assert found.ok, found
    return {"events": found.events, "kept": len(found.kept), "seconds": elapsed(), "cpu_s": cpu,
            "consistency_hashes": len(found.consistency or ())}


def prove_one(store: str, public: str, note: str, event_id: str) -> Result:
    from ledger.audit.keyfiles import read_verifier
    from ledger.audit.proof import check, prove
    from ledger.bootstrap import open_ledger

    ledger = open_ledger(store)
    key = read_verifier(Path(public))
    text = Path(note).read_text()
    with timer() as proving:
        proof = prove(ledger.store, event_id, text)
    ledger.close()
    serialised = json.dumps(proof)
    with timer() as checking:
        checked = check(serialised, key)
    return {"leaf_index": checked.leaf_index, "proof_hashes": len(proof["inclusion_proof"]),
            "seconds": proving(), "check_s": checking(), "bytes": len(serialised)}


def baseline_read(store: str) -> Result:
    from benchmarks.baselines import raw_read

    return raw_read(store)


def _key_for(store: Path, position: int) -> str:
    """The synthetic ledger stores no `id:` keys (its rows are written directly): give one event
    the key the ledger would have written, so `prove` can find it by id."""
    connection = sqlite3.connect(store)
    originator, state = connection.execute(
        "SELECT originator_id, state FROM stored_events WHERE rowid = ?", (position,)).fetchone()
    event_id = json.loads(state)["event_id"]
    connection.execute("INSERT OR IGNORE INTO ledger_keys (key, originator_id, digest) "
                       "VALUES (?, ?, '')", ("id:" + event_id, str(originator)))
    connection.commit()
    connection.close()
    return str(event_id)


def run(events: int) -> dict[str, Any]:
    from ledger.audit.keyfiles import write_key_pair

    WORK.mkdir(parents=True, exist_ok=True)
    base = WORK / f"synthetic-{events}.db"
    with timer() as elapsed:
        build(base, events)
    log(f"synthetic ledger: {base.name} ({elapsed():.0f} s)")
    store = WORK / f"synthetic-{events}-checkpoint.db"
    copy_file(base, store)
    keys = WORK / f"bench-checkpoint-{time.time_ns()}"
    private, public = write_key_pair(keys, KEY)
    first, second = WORK / "bench-first.note", WORK / "bench-second.note"
    raw: dict[str, Any] = {"events": events}
    try:
        log("baseline: raw read of every event ...")
        raw["baseline"] = step("benchmarks.bench_checkpoint:baseline_read", store=str(store))
        log("first checkpoint ...")
        raw["first"] = step("benchmarks.bench_checkpoint:make_checkpoint", store=str(store),
                            key=str(private), out=str(first))
        append_tail(store, TAIL)
        log(f"checkpoint after {TAIL:,} more events ...")
        raw["next"] = step("benchmarks.bench_checkpoint:make_checkpoint", store=str(store),
                           key=str(private), out=str(second))
        log("verify --checkpoint (the first) ...")
        raw["verify"] = step("benchmarks.bench_checkpoint:verify_against", store=str(store),
                             public=str(public), note=str(first))
        event_id = _key_for(store, events // 2)
        log(f"prove {event_id} ...")
        raw["prove"] = step("benchmarks.bench_checkpoint:prove_one", store=str(store),
                            public=str(public), note=str(second), event_id=event_id)
    finally:
        private.unlink(missing_ok=True)
        public.unlink(missing_ok=True)
    return raw


def report(raw: dict[str, Any]) -> None:
    base = raw["baseline"]
    baseline_s = base["seconds"]
    rows = [["raw read of every event (baseline)", fmt_seconds(baseline_s),
             fmt_rate(base["rate"]), "1.00×", _peak(base)]]
    for label, name, count in (
        ("first checkpoint (every event hashed, tree stored)", "first", raw["first"]["hashed"]),
        (f"checkpoint after {TAIL:,} more events", "next", raw["next"]["hashed"]),
        ("verify --checkpoint (every event hashed again)", "verify", raw["verify"]["events"]),
    ):
        r = raw[name]
        rows.append([label, fmt_seconds(r["seconds"]), fmt_rate(rate(count, r["seconds"])),
                     fmt_ratio(baseline_s / r["seconds"]), _peak(r)])
    p = raw["prove"]
    rows.append([f"prove one event ({p['proof_hashes']} hashes), then --check",
                 f"{fmt_seconds(p['seconds'])} + {fmt_seconds(p['check_s'])}", "—",
                 fmt_ratio(baseline_s / p["seconds"]), _peak(p)])
    print_table(["step", "wall", "rate", "raw read ÷ step", "peak RSS (VmHWM)"], rows,
                title=f"checkpoints at {raw['events']:,} events (SQLite)")


def _peak(result: Result) -> str:
    # The step's own VmHWM: wait4's ru_maxrss also counts the parent's image the child was
    # forked from (this parent has just built the synthetic ledger).
    return f"{result['vmhwm_mib']:.0f} MiB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=10_000_000)
    args = parser.parse_args(argv)
    raw = run(args.events)
    report(raw)
    save_results(f"checkpoint-{args.events}", raw)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
