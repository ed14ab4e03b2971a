"""`coverage` for a date, projections warm (SPEC §14 beside §9's ≤ 1 s), next to `counts` measured
in the same run on the same file — the baseline a coverage question adds its join to.

    .venv/bin/python -m benchmarks.bench_coverage                    # 10M events
    .venv/bin/python -m benchmarks.bench_coverage --events 1000000   # a quicker run

The ledger is bench_projections' synthetic one (cached in benchmarks/work/), with the shipped
population figures (replay_data/population.csv) imported into it. Steps, each in a fresh process:
1. the projections extracted (cached beside the ledger, as bench_projections leaves them);
2. for seeded random dates: `counts` by programme (baseline), `coverage` by programme, and
   `coverage` by district and age band (the finest grouping), each timed alone, warm.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
from collections.abc import Sequence
from typing import Any

from benchmarks.bench_projections import build
from benchmarks.common import (
    ROOT,
    SEED,
    WORK,
    Result,
    copy_file,
    log,
    print_table,
    save_results,
    step,
    timer,
)


def prepare(store: str, path: str) -> Result:
    from ledger.bootstrap import open_ledger
    from ledger.population import import_population
    from projections.service import Projections

    ledger = open_ledger(store)
    loaded = import_population(ledger.store, ROOT / "replay_data" / "population.csv")
    with timer() as elapsed, Projections.of_store(ledger.store, path=path) as projections:
        events = projections.facts.count()
    ledger.close()
    return {"events": events, "figures": loaded.rows, "seconds": elapsed()}


def warm(store: str, path: str, dates: list[str]) -> Result:
    from ledger.bootstrap import open_ledger
    from projections import queries
    from projections.coverage import coverage
    from projections.service import Projections

    ledger = open_ledger(store)
    result: Result = {"counts_s": [], "coverage_s": [], "coverage_fine_s": []}
    with Projections.of_store(ledger.store, path=path) as projections:
        for day in dates:
            when = projections.point_in_time(dt.date.fromisoformat(day))
            with timer() as elapsed:
                queries.counts(projections, when)
            result["counts_s"].append(elapsed())
            with timer() as elapsed:
                rows = coverage(projections, when)
            result["coverage_s"].append(elapsed())
            with timer() as elapsed:
                fine = coverage(projections, when, by=("programme", "district", "age_band"))
            result["coverage_fine_s"].append(elapsed())
        result["last_rows"] = [len(rows), len(fine)]
    ledger.close()
    return result


def run(events: int, dates: int) -> dict[str, Any]:
    WORK.mkdir(parents=True, exist_ok=True)
    base = WORK / f"synthetic-{events}.db"
    build(base, events)
    store = WORK / f"synthetic-{events}-coverage.db"
    projections = WORK / f"synthetic-{events}-coverage.projections.duckdb"
    if not store.is_file():
        copy_file(base, store)
    rnd = random.Random(SEED)
    days = [(dt.date(2021, 7, 1) + dt.timedelta(days=rnd.randrange(1640))).isoformat()
            for _ in range(dates)]
    log("extracting (once) and importing the population ...")
    raw: dict[str, Any] = {"events": events}
    raw["prepare"] = step("benchmarks.bench_coverage:prepare", store=str(store),
                          path=str(projections))
    log("warm queries ...")
    raw["warm"] = step("benchmarks.bench_coverage:warm", store=str(store), path=str(projections),
                       dates=days)
    return raw


def report(raw: dict[str, Any]) -> None:
    warm = raw["warm"]
    baseline = statistics.median(warm["counts_s"])
    rows = []
    for label, key in (("counts by programme (baseline)", "counts_s"),
                       ("coverage by programme", "coverage_s"),
                       ("coverage by programme, district, age band", "coverage_fine_s")):
        median, worst = statistics.median(warm[key]), max(warm[key])
        rows.append([label, f"{median:.3f} s", f"{worst:.3f} s",
                     f"{median / baseline:.2f} × counts", "≤ 1 s"])
    print_table(["question (random dates, warm)", "median", "worst", "vs baseline", "target"],
                rows, title=f"coverage at {raw['events']:,} events "
                f"(peak RSS {warm.get('peak_rss_mib', 0):.0f} MiB)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--dates", type=int, default=5)
    args = parser.parse_args(argv)
    raw = run(args.events, args.dates)
    report(raw)
    save_results(f"coverage-{args.events}", raw)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())



