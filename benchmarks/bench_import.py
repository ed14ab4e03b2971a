"""Bulk import (SPEC §9): a ≥ 5M-event national history into a fresh SQLite store and a fresh
PostgreSQL schema, with `Ledger.import_file(path, operator="bench", historical=True)` — validated
against every rule, one file, one transaction — side by side with the baselines measured in the
same run: (a) plain library saves and (c) the raw database insert of the same rows.

    .venv/bin/python -m benchmarks.bench_import                      # scale 3.5 ≈ 5.2M events
    .venv/bin/python -m benchmarks.bench_import --scale 0.2          # a quick run (~300k events)
    .venv/bin/python -m benchmarks.bench_import --stores sqlite

The generated history is cached in benchmarks/work/ by scale and seed. The imported SQLite store
is kept there too (`import-s<scale>-seed<seed>.db`, replaced by each run) and is where baseline
(c) takes its rows from; the PostgreSQL schema is created for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.baselines import Baselines, measure
from benchmarks.common import (
    SEED,
    WORK,
    Figure,
    Result,
    checkpoint,
    fmt_events,
    fmt_rate,
    fmt_ratio,
    history,
    line_count,
    log,
    peak_figure,
    postgres_reachable,
    postgres_schema,
    print_figures,
    print_table,
    rate,
    remove_store,
    save_results,
    step,
    timer,
)

SCALE = 3.5  # ≈ 5.2M events
TARGETS = {"sqlite": 50_000.0, "postgres": 25_000.0}
PROGRESS_EVERY = 500_000


def import_into(store: str, source: str) -> Result:
    """Import `source` into the (new) store at `store`; the timer covers `import_file` only."""
    from ledger.bootstrap import open_ledger

    ledger = open_ledger(store, create=True)
    done = [0, 0]  # events so far, the next count at which to report

    def progress(n: int) -> None:
        done[0] += n
        if done[0] >= done[1]:
            log(f"  {done[0]:,} lines checked ({rate(done[0], elapsed()):,.0f}/s)")
            done[1] = done[0] + PROGRESS_EVERY

    cpu = time.process_time()
    main_cpu = time.thread_time()
    with timer() as elapsed:
        receipt = ledger.import_file(Path(source), operator="bench", historical=True,
                                     progress=progress)
    main_cpu = time.thread_time() - main_cpu
    cpu = time.process_time() - cpu
    ledger.close()
    return {"events": receipt.count, "already": receipt.already_recorded,
            "seconds": elapsed(), "rate": rate(receipt.count, elapsed()),
            "cpu_s": cpu, "main_thread_cpu_s": main_cpu}


def store_path(scale: float, seed: int) -> Path:
    return WORK / f"import-s{scale:g}-seed{seed}.db"


def run(
    *,
    scale: float = SCALE,
    seed: int = SEED,
    stores: Sequence[str] = ("sqlite", "postgres"),
    baselines: Baselines | None = None,
) -> tuple[list[Figure], dict[str, Any]]:
    """Import into each store, measure the baselines (unless given), return the figures."""
    source = history(scale, seed)
    lines = line_count(source)
    log(f"history: {source.name}, {lines:,} lines")
    results: dict[str, Result] = {}
    if "sqlite" in stores:
        target = store_path(scale, seed)
        remove_store(target)
        log(f"importing into SQLite {target.name} ...")
        results["sqlite"] = step("benchmarks.bench_import:import_into", store=str(target),
                                 source=str(source))
        checkpoint(target)
        _report(results["sqlite"])
    if "postgres" in stores:
        problem = postgres_reachable()
        if problem:
            log(f"PostgreSQL skipped: {problem}")
        else:
            with postgres_schema("bench_import") as (_, url):
                log(f"importing into PostgreSQL {url} ...")
                results["postgres"] = step("benchmarks.bench_import:import_into", store=url,
                                           source=str(source))
            _report(results["postgres"])
    if baselines is None:
        sqlite_store = store_path(scale, seed)
        baselines = measure(stores=list(results), which=("a", "c"),
                            source=sqlite_store if sqlite_store.is_file() else None, seed=seed)
    figures = [_figure(kind, result, baselines) for kind, result in results.items()]
    return figures, {"scale": scale, "seed": seed, "lines": lines, "imports": results,
                     "baselines": baselines.results}


def _report(result: Result) -> None:
    log(f"  {result['events']:,} events in {result['seconds']:,.1f} s = "
        f"{result['rate']:,.0f} ev/s, peak RSS {result['peak_rss_mib']:,.0f} MiB; CPU "
        f"{result['cpu_s']:,.0f} s, of which the checking thread {result['main_thread_cpu_s']:,.0f} s"
        " (the rest: the background writer)")


def _figure(kind: str, result: Result, baselines: Baselines) -> Figure:
    name = "SQLite" if kind == "sqlite" else "PostgreSQL"
    measured = float(result["rate"])
    plain = baselines.rate(f"a.{kind}")
    raw = baselines.rate(f"c.{kind}")
    return Figure(
        figure=f"bulk import, validated, {name} ({fmt_events(int(result['events']))})",
        target=f"≥ {TARGETS[kind]:,.0f} ev/s",
        measured=fmt_rate(measured),
        baseline=" / ".join(
            s for s in (
                f"(a) {fmt_rate(plain)}" if plain else "",
                f"(c) {fmt_rate(raw, 'rows/s')}" if raw else "",
            ) if s
        ) or "—",
        ratio=" / ".join(
            s for s in (
                f"{fmt_ratio(measured / plain)} (a)" if plain else "",
                f"{fmt_ratio(measured / raw)} (c)" if raw else "",
            ) if s
        ) or "—",
        met=measured >= TARGETS[kind],
        peak_rss_mib=float(result["peak_rss_mib"]),
    )


def peaks(raw: dict[str, Any]) -> dict[str, float]:
    """Each import's peak resident set (the importing process; not the PostgreSQL server's)."""
    return {f"import, {kind}": float(r["peak_rss_mib"]) for kind, r in raw["imports"].items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_import", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=SCALE, help="generator scale (3.5 ≈ 5.2M)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--stores", default="sqlite,postgres", help="sqlite,postgres")
    args = parser.parse_args(argv)
    figures, raw = run(scale=args.scale, seed=args.seed, stores=args.stores.split(","))
    Baselines(raw["baselines"]).print()
    print_table(
        ("store", "events", "seconds", "events/s", "CPU s", "checking thread CPU s", "peak RSS"),
        [[kind, r["events"], f"{r['seconds']:,.1f}", fmt_rate(r["rate"]), f"{r['cpu_s']:,.0f}",
          f"{r['main_thread_cpu_s']:,.0f}", f"{r['peak_rss_mib']:,.0f} MiB"]
         for kind, r in raw["imports"].items()],
        "Bulk import",
    )
    figures.append(peak_figure(peaks(raw), "peak memory, import"))
    print_figures(figures, "SPEC §9 — bulk import (ratio: measured ÷ baseline)")
    path = save_results("import", {**raw, "figures": figures})
    log(f"results in {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
