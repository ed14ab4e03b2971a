"""The read side at 10M events (SPEC §9): full replay to Parquet, incremental catch-up, counts and
reach for random dates, `monthly` over 60 month-ends — each beside the baselines measured in the
same run: (b) reading and decoding the stored events through the library's mapper and (d) a raw
read of the stored rows.

    .venv/bin/python -m benchmarks.bench_queries                 # scale 6.7 ≈ 10M events
    .venv/bin/python -m benchmarks.bench_queries --build-only    # just build the cached ledger
    .venv/bin/python -m benchmarks.bench_queries --scale 0.1     # a quick run (~150k events)

Inputs, built once and cached in benchmarks/work/ (by scale and seed):
- the generator's history, cut into all lines but the last `--tail` (10,000) and those last lines;
- `ledger-s<scale>-seed<seed>-without-last<tail>.db`: a SQLite ledger holding the first part (built with the
  ledger's validated import — at today's import speed that takes a long while, once);
- `…-without-last<tail>.projections.duckdb`: its projections, extracted up to the base ledger's last event.

Each run copies the base ledger to `…-run.db`, imports the last `--tail` lines into it (the
ledger is then the whole history), and measures, each step in a fresh process:
1. catch-up: a copy of the base projections brought up to date with the run ledger;
2. full replay: a new projections file extracted from all events, then every table written to
   Parquet for one as-of date (`projections.queries.replay`);
3. warm queries on that file: `counts` and `reach` for `--dates` seeded random dates, `monthly`
   as of 2025-12-31 (60 month-ends), and `ledger counts` as a whole command.

The full-replay extraction, the warm queries and the command are the step functions of
benchmarks/bench_projections.py (which measures the same read side on a synthetic ledger that is
quick to build); this module adds the ledger built from the generator's history through the
validated import, the per-table Parquet timings, and the baselines.

Ratios: the time the baseline needs for the same events ÷ the time measured (so > 1 is faster
than the baseline). For a query, "the same events" are every event in the ledger: without the
projections, answering it means reading (and decoding) all of them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import statistics
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.baselines import Baselines, measure
from benchmarks.common import (
    ROOT,
    SEED,
    WORK,
    Figure,
    Result,
    copy_file,
    fmt_events,
    fmt_ratio,
    fmt_seconds,
    history,
    line_count,
    log,
    peak_figure,
    print_figures,
    print_table,
    rate,
    remove_store,
    save_results,
    split_tail,
    step,
    timer,
)

SCALE = 6.7  # ≈ 10M events
TAIL = 10_000
DATES = 20
AS_OF = dt.date(2025, 12, 31)
FIRST_DATE = dt.date(2021, 1, 1)
STEP_TIMEOUT = 3_600.0  # a step still running after an hour is stopped and reported as such
DECODE_EVENTS = 1_000_000  # (b) is a rate: a million events measure it well enough

TARGET_REPLAY_RATE = 500_000.0
TARGET_REPLAY_S = 20.0
TARGET_CATCH_UP_S = 2.0
TARGET_QUERY_S = 1.0
TARGET_MONTHLY_S = 3.0


# -- measured steps (each runs in a fresh process) -----------------------------------------------


def extract(store: str, path: str) -> Result:
    """Bring the projections file at `path` up to date with the store (opening it included)."""
    from ledger.bootstrap import open_ledger
    from projections.service import Projections

    ledger = open_ledger(store)
    with timer() as elapsed, Projections.of_store(ledger.store, path=path, update=False) as projections:
        opened = elapsed()
        events = projections.update()
        position = projections.facts.position()
    ledger.close()
    return {"events": events, "position": position, "seconds": elapsed(), "open_s": opened,
            "update_s": elapsed() - opened}


def write_parquet(store: str, path: str, out: str, as_of: str) -> Result:
    """Every table as of `as_of` to Parquet (`projections.queries.replay`), from up-to-date facts."""
    from ledger.bootstrap import open_ledger
    from projections.queries import replay
    from projections.service import Projections

    shutil.rmtree(out, ignore_errors=True)
    ledger = open_ledger(store)
    starts: dict[str, float] = {}
    with timer() as elapsed, Projections.of_store(ledger.store, path=path) as projections:
        when = projections.point_in_time(dt.date.fromisoformat(as_of))

        def on_table(name: str) -> None:
            if starts:
                log(f"  {list(starts)[-1]}: {elapsed() - list(starts.values())[-1]:,.2f} s")
            starts[name] = elapsed()

        written = replay(projections, when, Path(out), on_table=on_table)
        done = elapsed()
    ledger.close()
    ends = [*list(starts.values())[1:], done]
    tables = {name: end - start for (name, start), end in zip(starts.items(), ends, strict=True)}
    files = {s.table: {"rows": s.rows, "bytes": s.path.stat().st_size} for s in written}
    return {"seconds": elapsed(), "tables_s": tables, "parquet": files}


# -- inputs --------------------------------------------------------------------------------------


def _name(scale: float, seed: int) -> str:
    return f"ledger-s{scale:g}-seed{seed}"


def base_ledger(scale: float, seed: int, tail: int) -> tuple[Path, Path, Path, dict[str, Any]]:
    """The cached base ledger and its projections, and the tail file: built when missing."""
    source = history(scale, seed)
    lines = line_count(source)
    if lines < 10_000_000 and scale >= SCALE:
        log(f"note: the history has {lines:,} lines, under 10M")
    head, tail_file = split_tail(source, tail)
    base = f"{_name(scale, seed)}-without-last{tail}"
    store = WORK / f"{base}.db"
    meta_path = WORK / f"{base}.json"
    if not store.is_file():
        partial = store.with_name(store.name + ".partial")
        remove_store(partial)
        log(f"building the base ledger {store.name} from {head.name} "
            f"({lines - tail:,} events; this is a long, one-off import) ...")
        built = step("benchmarks.baselines:build_store", source=str(head), store=str(partial))
        remove_store(store)
        partial.replace(store)
        remove_store(partial)
        meta_path.write_text(json.dumps({"build": built, "built_at": dt.datetime.now().isoformat(),
                                         "commit": _git_head()}, indent=2))
        log(f"  built: {built['events']:,} events in {built['seconds']:,.0f} s "
            f"({built['rate']:,.0f} ev/s), peak RSS {built['peak_rss_mib']:,.0f} MiB")
    projections = WORK / f"{base}.projections.duckdb"
    if not projections.is_file():
        partial_projections = projections.with_name(projections.name + ".partial")
        remove_store(partial_projections)
        log(f"extracting the base projections {projections.name} ...")
        extracted = step("benchmarks.bench_queries:extract", store=str(store),
                         path=str(partial_projections))
        partial_projections.replace(projections)
        log(f"  extracted {extracted['events']:,} events in {extracted['seconds']:,.1f} s")
    meta: dict[str, Any] = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    return store, projections, tail_file, meta


def _git_head() -> str:
    found = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return found.stdout.strip()


def random_dates(count: int, seed: int) -> list[str]:
    """`count` dates drawn uniformly from 2021-01-01..2025-12-31 (seeded)."""
    rng = random.Random(seed)
    span = (AS_OF - FIRST_DATE).days
    return [(FIRST_DATE + dt.timedelta(days=rng.randint(0, span))).isoformat() for _ in range(count)]


# -- the run -------------------------------------------------------------------------------------


def run(
    *,
    scale: float = SCALE,
    seed: int = SEED,
    tail: int = TAIL,
    dates: int = DATES,
    step_timeout: float | None = STEP_TIMEOUT,
    baselines: Baselines | None = None,
) -> tuple[list[Figure], dict[str, Any]]:
    """Build or reuse the inputs, measure every read-side figure, then the baselines (b) and (d)."""
    base_store, base_projections, tail_file, meta = base_ledger(scale, seed, tail)
    store = WORK / f"{_name(scale, seed)}-run.db"
    log(f"copying the base ledger to {store.name} ...")
    copy_file(base_store, store)
    log(f"importing the last {tail:,} events ...")
    appended = step("benchmarks.bench_import:import_into", store=str(store), source=str(tail_file))

    log("catch-up of the base projections ...")
    catch_up_path = WORK / f"{_name(scale, seed)}-catchup.projections.duckdb"
    copy_file(base_projections, catch_up_path)
    catch_up = step("benchmarks.bench_queries:extract", store=str(store), path=str(catch_up_path))
    catch_up_path.unlink()

    log("full replay: a new projections file from every event, then every table to Parquet ...")
    # Beside the store, where `ledger counts --store …` looks for it.
    full_path = store.with_name(store.stem + ".projections.duckdb")
    rebuilt = step("benchmarks.bench_projections:rebuild", store=str(store), path=str(full_path),
                   timeout=step_timeout)
    parquet = step("benchmarks.bench_queries:write_parquet", store=str(store), path=str(full_path),
                   out=str(WORK / "replay-out"), as_of=AS_OF.isoformat(), timeout=step_timeout)
    replay = {"extract": rebuilt, "parquet": parquet,
              "seconds": rebuilt["seconds"] + parquet["seconds"],
              "timed_out": bool(rebuilt.get("timed_out") or parquet.get("timed_out")),
              "peak_rss_mib": max(rebuilt["peak_rss_mib"], parquet["peak_rss_mib"])}

    chosen = random_dates(dates, seed)
    log(f"warm queries for {dates} dates and monthly ...")
    queries = step("benchmarks.bench_projections:warm_queries", store=str(store),
                   path=str(full_path), dates=chosen)
    command = step("benchmarks.bench_projections:cli_counts", store=str(store))

    events = int(catch_up["position"])
    if baselines is None:
        baselines = measure(stores=("sqlite",), which=("b", "d"), source=store,
                            decode_events=min(DECODE_EVENTS, events), seed=seed)
    raw = {
        "scale": scale, "seed": seed, "tail": tail, "events": events, "base": meta,
        "appended": appended, "catch_up": catch_up, "replay": replay, "queries": queries,
        "command": command, "dates": chosen, "baselines": baselines.results,
    }
    return figures(raw, baselines), raw


# -- figures -------------------------------------------------------------------------------------


def figures(raw: dict[str, Any], baselines: Baselines) -> list[Figure]:
    events = int(raw["events"])
    scale_note = fmt_events(events)
    replay, catch_up, queries = raw["replay"], raw["catch_up"], raw["queries"]
    counts_s, reach_s, monthly_s = queries["counts_s"], queries["reach_s"], queries["monthly_s"]
    replay_rate = rate(events, replay["seconds"])
    replay_measured = f"{replay_rate:,.0f} ev/s ({replay['seconds']:,.1f} s)"
    if replay["timed_out"]:
        replay_measured = f"< {replay_rate:,.0f} ev/s (> {replay['seconds']:,.0f} s: stopped)"
    return [
        Figure(
            f"full replay to Parquet, all tables, one as-of ({scale_note})",
            f"≥ {TARGET_REPLAY_RATE:,.0f} ev/s (10M ≤ {TARGET_REPLAY_S:.0f} s)",
            replay_measured,
            *_against(baselines, events, replay["seconds"]),
            met=replay_rate >= TARGET_REPLAY_RATE and not replay["timed_out"],
            peak_rss_mib=replay["peak_rss_mib"],
        ),
        Figure(
            f"incremental catch-up after {catch_up['events']:,} new events ({scale_note})",
            f"≤ {TARGET_CATCH_UP_S:.0f} s",
            fmt_seconds(catch_up["seconds"]),
            *_against(baselines, int(catch_up["events"]), catch_up["seconds"]),
            met=catch_up["seconds"] <= TARGET_CATCH_UP_S,
            peak_rss_mib=catch_up["peak_rss_mib"],
        ),
        Figure(
            f"counts, {len(counts_s)} random dates, warm (max; median)",
            f"≤ {TARGET_QUERY_S:.0f} s",
            f"{fmt_seconds(max(counts_s))}; {fmt_seconds(statistics.median(counts_s))}",
            *_against(baselines, events, max(counts_s)),
            met=max(counts_s) <= TARGET_QUERY_S,
            peak_rss_mib=queries["peak_rss_mib"],
        ),
        Figure(
            f"reach, {len(reach_s)} random dates, warm (max; median)",
            f"≤ {TARGET_QUERY_S:.0f} s",
            f"{fmt_seconds(max(reach_s))}; {fmt_seconds(statistics.median(reach_s))}",
            *_against(baselines, events, max(reach_s)),
            met=max(reach_s) <= TARGET_QUERY_S,
            peak_rss_mib=queries["peak_rss_mib"],
        ),
        Figure(
            f"monthly as of {AS_OF} (60 month-ends, {queries['monthly_rows']} rows)",
            f"≤ {TARGET_MONTHLY_S:.0f} s",
            fmt_seconds(monthly_s),
            *_against(baselines, events, monthly_s),
            met=monthly_s <= TARGET_MONTHLY_S,
            peak_rss_mib=queries["peak_rss_mib"],
        ),
    ]


def peaks(raw: dict[str, Any]) -> dict[str, float]:
    """Each measured read-side step's peak resident set, in MiB."""
    return {
        "import of the last events": float(raw["appended"]["peak_rss_mib"]),
        "catch-up": float(raw["catch_up"]["peak_rss_mib"]),
        "full replay, extraction": float(raw["replay"]["extract"]["peak_rss_mib"]),
        "full replay, Parquet": float(raw["replay"]["parquet"]["peak_rss_mib"]),
        "warm queries": float(raw["queries"]["peak_rss_mib"]),
        "ledger counts": float(raw["command"]["peak_rss_mib"]),
    }


def _against(baselines: Baselines, events: int, seconds: float) -> tuple[str, str]:
    """(baseline, ratio): what (b) and (d) take for the same events, and that ÷ `seconds`."""
    parts: list[tuple[str, str]] = []
    for name in ("b", "d"):
        baseline_rate = baselines.rate(name)
        if baseline_rate:
            needs = events / baseline_rate
            parts.append((f"({name}) {fmt_seconds(needs)}", f"{fmt_ratio(needs / seconds)} ({name})"))
    if not parts:
        return "—", "—"
    return " / ".join(p[0] for p in parts), " / ".join(p[1] for p in parts)


def details(raw: dict[str, Any]) -> None:
    """The measurements behind the figures."""
    replay, catch_up, queries, appended = raw["replay"], raw["catch_up"], raw["queries"], raw["appended"]

    def peak(result: Result) -> str:
        return f"{result['peak_rss_mib']:,.0f} MiB"

    rows: list[list[object]] = [
        ["import of the last events (validated, into the big ledger)",
         fmt_seconds(appended["seconds"]), f"{appended['events']:,} events", peak(appended)],
        ["catch-up: open projections / update", fmt_seconds(catch_up["seconds"]),
         f"{fmt_seconds(catch_up['open_s'])} / {fmt_seconds(catch_up['update_s'])}", peak(catch_up)],
        ["full replay: extraction into a new file", _seconds_or_stopped(replay["extract"]),
         f"{replay['extract'].get('events', 0):,} events", peak(replay["extract"])],
        ["full replay: Parquet, 5 tables", _seconds_or_stopped(replay["parquet"]),
         ", ".join(f"{n} {fmt_seconds(t)}" for n, t in replay["parquet"].get("tables_s", {}).items()),
         peak(replay["parquet"])],
    ]
    for name in ("counts_s", "counts_by_all_s", "reach_s"):
        values = queries[name]
        rows.append([f"{name.removesuffix('_s').replace('_', ' ')} (in process, warm), median",
                     fmt_seconds(statistics.median(values)),
                     f"min {fmt_seconds(min(values))}, max {fmt_seconds(max(values))}, n={len(values)}",
                     peak(queries)])
    rows.append(["monthly (in process, warm)", fmt_seconds(queries["monthly_s"]),
                 f"{queries['monthly_rows']} rows", peak(queries)])
    rows.append([f"`ledger counts --as-of {AS_OF}` (whole command)",
                 fmt_seconds(raw["command"]["seconds"]), "", peak(raw["command"])])
    build = raw.get("base", {}).get("build")
    if build:
        rows.append(["(cached) building the base ledger: validated import",
                     fmt_seconds(build["seconds"]), f"{build['events']:,} events, "
                     f"{build['rate']:,.0f} ev/s", peak(build)])
    print_table(("step", "time", "detail", "peak RSS"), rows, f"Read side at {raw['events']:,} events")


def _seconds_or_stopped(result: Result) -> str:
    if result.get("timed_out"):
        return f"> {result['seconds']:,.0f} s (stopped)"
    return fmt_seconds(result["seconds"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_queries", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=SCALE, help="generator scale (6.7 ≈ 10M)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--tail", type=int, default=TAIL, help="events appended for the catch-up")
    parser.add_argument("--dates", type=int, default=DATES, help="random dates for counts/reach")
    parser.add_argument("--step-timeout", type=float, default=STEP_TIMEOUT,
                        help="stop a replay step still running after this many seconds")
    parser.add_argument("--build-only", action="store_true", help="only build the cached inputs")
    args = parser.parse_args(argv)
    if args.build_only:
        store, projections, _, _ = base_ledger(args.scale, args.seed, args.tail)
        log(f"ready: {store} and {projections}")
        return 0
    found, raw = run(scale=args.scale, seed=args.seed, tail=args.tail, dates=args.dates,
                     step_timeout=args.step_timeout)
    Baselines(raw["baselines"]).print()
    details(raw)
    found.append(peak_figure(peaks(raw), "peak memory, read side"))
    print_figures(found, "SPEC §9 — read side (ratio: baseline time for the same events ÷ measured)")
    path = save_results("queries", {**raw, "figures": found})
    log(f"results in {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
