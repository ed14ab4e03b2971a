"""Where an import's checking thread waits for its background writer, and why.

    .venv/bin/python -m benchmarks.bench_waits                   # 300k events, SQLite and PostgreSQL
    .venv/bin/python -m benchmarks.bench_waits --scale 3.5 --stores sqlite

A batch checks one window of lines while the window before is written in the background
(docs/architecture.md, "Recording a batch"); any read of the store first waits for the writes
before it (`Session.barrier`). This imports the generator's history (as `bench_import` does, in a
fresh process per store) with that barrier timed: every wait that found writes still pending,
grouped by what asked to read. The rest of the wall time is checking, and on PostgreSQL the GIL
shared with the writer thread's `COPY`.
"""

from __future__ import annotations

import argparse
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.bench_import import import_into
from benchmarks.common import (
    SEED,
    WORK,
    Result,
    fmt_seconds,
    history,
    log,
    postgres_reachable,
    postgres_schema,
    print_table,
    remove_store,
    step,
)

SCALE = 0.2  # ≈ 300k events


def timed_import(store: str, source: str) -> Result:
    """`import_into`, with each wait for the background writer timed by its caller."""
    from ledger.storage.session import Session

    waits: dict[str, list[float]] = {}
    barrier = Session.barrier

    def timed_barrier(session: Session) -> None:
        pending = any(not write.done() for write in getattr(session, "_writes", ()))
        started = time.perf_counter()
        barrier(session)
        if pending:
            callers = [frame.name for frame in traceback.extract_stack(limit=5)[:-1]]
            waits.setdefault(" < ".join(reversed(callers)), []).append(
                time.perf_counter() - started)

    Session.barrier = timed_barrier  # type: ignore[method-assign]
    result = import_into(store, source)
    result["waits"] = {caller: {"count": len(times), "seconds": sum(times)}
                       for caller, times in waits.items()}
    return result


def report(store: str, result: Result) -> None:
    waits: dict[str, Any] = result["waits"]
    rows = [[caller, w["count"], fmt_seconds(w["seconds"])]
            for caller, w in sorted(waits.items(), key=lambda item: -item[1]["seconds"])]
    rows.append(["all waits", sum(w["count"] for w in waits.values()),
                 fmt_seconds(sum(w["seconds"] for w in waits.values()))])
    print_table(
        ["waited in (innermost first)", "waits", "time"], rows,
        f"{store}: {result['events']:,} events in {fmt_seconds(result['seconds'])}, checking "
        f"thread {fmt_seconds(result['main_thread_cpu_s'])} of CPU",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=SCALE, help="generator scale (0.2 ≈ 300k)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--stores", default="sqlite,postgres", help="sqlite,postgres")
    args = parser.parse_args(argv)
    source = str(history(args.scale, args.seed))
    for store in args.stores.split(","):
        if store == "sqlite":
            target = WORK / f"waits-s{args.scale:g}-seed{args.seed}.db"
            remove_store(Path(target))
            log("sqlite ...")
            report(store, step("benchmarks.bench_waits:timed_import", store=str(target),
                               source=source))
            remove_store(Path(target))
        elif store == "postgres":
            problem = postgres_reachable()
            if problem:
                log(f"postgres skipped: {problem}")
                continue
            with postgres_schema("bench_waits") as (_, url):
                log("postgres ...")
                report(store, step("benchmarks.bench_waits:timed_import", store=url,
                                   source=source))
        else:
            parser.error(f"unknown store {store!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
