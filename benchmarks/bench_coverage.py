"""`coverage` for a date, projections warm (SPEC §14 beside §9's ≤ 1 s), next to `counts` measured
in the same run on the same file — the baseline a coverage question adds its join to — and to a
raw read of the whole ledger (baseline (d) of docs/performance.md: what answering without the
projections would at least cost).

    .venv/bin/python -m benchmarks.bench_coverage                    # 10M events
    .venv/bin/python -m benchmarks.bench_coverage --events 1000000   # a quicker run

The ledger is bench_projections' synthetic one (cached in benchmarks/work/), with the shipped
population figures (replay_data/population.csv) imported into it. Steps, each in a fresh process:
1. the projections extracted (cached beside the ledger, as bench_projections leaves them);
2. (d) every stored event read, raw;
3. for seeded random dates D, as known now: `counts` by programme (baseline), `coverage` by
   programme, and `coverage` by programme, district and age band (the finest grouping the
   analysts use), each timed alone, warm; the order of the three turns with each date, so no
   question is always the first to touch the file after another;
4. the same for seeded random dates D inside the recorded history, as known at the end of D
   (`--known-at D`: the timeline as it stood then, the slower path of SPEC §4);
5. `ledger counts` and `ledger coverage` as whole commands (a process each: start-up, opening
   the store, catching up, loading the figures), alternated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.bench_projections import build
from benchmarks.common import (
    PYTHON,
    ROOT,
    SEED,
    WORK,
    Result,
    copy_file,
    fmt_ratio,
    fmt_seconds,
    log,
    print_table,
    save_results,
    step,
    timer,
)

TARGET_S = 1.0  # SPEC §9: a question for a date, warm, at 10M events
FINE = ("programme", "district", "age_band")
QUESTIONS = ("counts", "coverage", "coverage_fine")


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


def warm(store: str, path: str, dates: list[str], past: int) -> Result:
    """Each question timed alone for each date: as known now, then as known at the end of
    `past` dates drawn inside the recorded history (its span read here, outside the timers)."""
    from ledger.bootstrap import open_ledger
    from projections import queries
    from projections.coverage import coverage
    from projections.service import Projections
    from projections.when import PointInTime, parse_known_at

    ledger = open_ledger(store)
    result: Result = {f"{q}{suffix}": [] for q in QUESTIONS for suffix in ("_s", "_past_s")}
    with Projections.of_store(ledger.store, path=path) as projections:
        ask: dict[str, Callable[[PointInTime], list[dict[str, Any]]]] = {
            "counts": lambda when: queries.counts(projections, when),
            "coverage": lambda when: coverage(projections, when),
            "coverage_fine": lambda when: coverage(projections, when, by=FINE),
        }
        # Warm: every question once, untimed, so the first timed one pays for no one else.
        for question in QUESTIONS:
            ask[question](projections.point_in_time(dt.date.fromisoformat(dates[0])))
        first, last = projections.connection.execute(
            "SELECT min(recorded_at), max(recorded_at) FROM facts").fetchall()[0]
        rnd = random.Random(SEED + 1)
        span = max((last.date() - first.date()).days, 1)
        past_dates = [first.date() + dt.timedelta(days=rnd.randrange(span)) for _ in range(past)]
        moments = [(projections.point_in_time(dt.date.fromisoformat(d)), "_s") for d in dates]
        moments += [(projections.point_in_time(d, parse_known_at(d.isoformat())), "_past_s")
                    for d in past_dates]
        for n, (when, suffix) in enumerate(moments):
            turn = n % len(QUESTIONS)
            for question in (*QUESTIONS[turn:], *QUESTIONS[:turn]):
                with timer() as elapsed:
                    rows = ask[question](when)
                result[question + suffix].append(elapsed())
                result[f"{question}_rows"] = len(rows)
        result["past_dates"] = [d.isoformat() for d in past_dates]
        result["recorded"] = [first.isoformat(), last.isoformat()]
    ledger.close()
    return result


def commands(store: str, dates: list[str]) -> Result:
    """`ledger counts` and `ledger coverage` as whole commands, alternated, for each date."""
    ledger = str(Path(PYTHON).parent / "ledger")
    result: Result = {"counts_s": [], "coverage_s": []}
    for n, day in enumerate(dates):
        order = ("counts", "coverage") if n % 2 == 0 else ("coverage", "counts")
        for command in order:
            with timer() as elapsed:
                subprocess.run([ledger, "--store", store, command, "--as-of", day], cwd=ROOT,
                               check=True, capture_output=True)
            result[f"{command}_s"].append(elapsed())
    return result


def run(events: int, dates: int, past: int) -> dict[str, Any]:
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
    raw: dict[str, Any] = {"events": events, "dates": days}
    raw["prepare"] = step("benchmarks.bench_coverage:prepare", store=str(store),
                          path=str(projections))
    log("(d) raw read of every stored event ...")
    raw["raw_read"] = step("benchmarks.baselines:raw_read", store=str(store))
    log("warm queries ...")
    raw["warm"] = step("benchmarks.bench_coverage:warm", store=str(store), path=str(projections),
                       dates=days, past=past)
    log("whole commands ...")
    raw["commands"] = step("benchmarks.bench_coverage:commands", store=str(store),
                           dates=days[:3])
    return raw


def report(raw: dict[str, Any]) -> None:
    warm, whole = raw["warm"], raw["commands"]
    read_s = raw["raw_read"]["seconds"]
    labels = {"counts": "counts by programme (baseline)", "coverage": "coverage by programme",
              "coverage_fine": "coverage by programme, district, age band"}
    rows: list[list[object]] = []

    def add(label: str, times: list[float], baseline: list[float], target: bool) -> None:
        median = statistics.median(times)
        met = ("yes" if median <= TARGET_S else "NO") if target else "—"
        rows.append([label, fmt_seconds(median), fmt_seconds(max(times)),
                     fmt_ratio(median / statistics.median(baseline)),
                     fmt_ratio(read_s / median), met])

    for suffix, when in (("_s", "as known now"), ("_past_s", "--known-at D")):
        for question in QUESTIONS:
            add(f"{labels[question]}, {when}", warm[question + suffix],
                warm["counts" + suffix], question != "counts")
    add("`ledger counts` whole command (baseline)", whole["counts_s"], whole["counts_s"], False)
    add("`ledger coverage` whole command", whole["coverage_s"], whole["counts_s"], False)
    print_table(
        ["question (seeded random dates)", "median", "worst", "÷ counts, same D and T",
         "(d) raw read ÷ median", f"≤ {TARGET_S:g} s?"],
        rows,
        title=f"coverage at {raw['events']:,} events, warm: {len(warm['coverage_s'])} dates as "
        f"known now, {len(warm['coverage_past_s'])} as known at the end of D; (d) raw read "
        f"{fmt_seconds(read_s)} (peak RSS: queries {warm.get('vmhwm_mib', 0):.0f} MiB)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--dates", type=int, default=9, help="random dates, as known now")
    parser.add_argument("--past", type=int, default=5,
                        help="random dates in the recorded history, as known at their end")
    args = parser.parse_args(argv)
    raw = run(args.events, args.dates, args.past)
    report(raw)
    save_results(f"coverage-{args.events}", raw)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
