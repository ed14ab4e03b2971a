"""Every SPEC §9 figure in one command, each beside its baseline from the same run.

    .venv/bin/python -m benchmarks.run_all                 # 5.2M-event import, 10M-event read side
    .venv/bin/python -m benchmarks.run_all --quick         # small scales, minutes not hours

Runs benchmarks.bench_import (baselines a and c) and benchmarks.bench_queries (baselines b and d)
and prints the table: figure | target | measured | baseline | ratio | met? | peak RSS.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from benchmarks import bench_import, bench_queries
from benchmarks.baselines import Baselines
from benchmarks.common import (
    SEED,
    Figure,
    log,
    machine,
    peak_figure,
    print_figures,
    print_table,
    save_results,
)

QUICK_SCALE = 0.2  # ≈ 300k events


def run(*, import_scale: float, query_scale: float, seed: int, stores: Sequence[str],
        step_timeout: float | None) -> tuple[list[Figure], dict[str, Any]]:
    import_figures, imported = bench_import.run(scale=import_scale, seed=seed, stores=stores)
    query_figures, queried = bench_queries.run(scale=query_scale, seed=seed,
                                               step_timeout=step_timeout)
    overall = peak_figure({**bench_import.peaks(imported), **bench_queries.peaks(queried)})
    figures = [*import_figures, *query_figures, overall]
    return figures, {"import": imported, "queries": queried}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_all", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--import-scale", type=float, default=bench_import.SCALE,
                        help=f"history for the import (default {bench_import.SCALE:g} ≈ 5.2M events)")
    parser.add_argument("--query-scale", type=float, default=bench_queries.SCALE,
                        help=f"ledger for the read side (default {bench_queries.SCALE:g} ≈ 10M events)")
    parser.add_argument("--quick", action="store_true",
                        help=f"both scales {QUICK_SCALE:g} (≈ 300k events): a rehearsal, not the figures")
    parser.add_argument("--stores", default="sqlite,postgres", help="stores for the import")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--step-timeout", type=float, default=bench_queries.STEP_TIMEOUT)
    args = parser.parse_args(argv)
    if args.quick:
        args.import_scale = args.query_scale = QUICK_SCALE
    for key, value in machine().items():
        log(f"{key}: {value}")
    figures, raw = run(import_scale=args.import_scale, query_scale=args.query_scale,
                       seed=args.seed, stores=args.stores.split(","), step_timeout=args.step_timeout)
    Baselines({**raw["import"]["baselines"], **raw["queries"]["baselines"]}).print()
    bench_queries.details(raw["queries"])
    print_table(("machine", ""), list(machine().items()), "Machine")
    print_figures(figures, "SPEC §9 — figures beside their baselines "
                           "(ratio: baseline time for the same events ÷ measured time)")
    path = save_results("all", {**raw, "figures": figures})
    log(f"results in {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
