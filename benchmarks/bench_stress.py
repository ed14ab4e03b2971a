"""Stress: N operator processes recording at once on one store, for a fixed count of operations.

Each process is an operator: it opens the ledger once and performs its operations one after the
other — single commands (enrol, pay), a contested enrolment that every process attempts for the
same beneficiary (exactly one must win), and every so often the import of a small file. Work the
store could not complete (locked, connection lost, server restarting) is retried, as an operator
would, and counted. Afterwards the store is read back and compared with what the operators were
told: every acknowledged event must be there exactly once, nothing else may be, each contested
beneficiary has one enrolment, and the integrity chain verifies.

    python -m benchmarks.bench_stress                         # both stores, 4 processes
    python -m benchmarks.bench_stress --stores sqlite --processes 8 --operations 500
    python -m benchmarks.bench_stress --stores postgres --restart-postgres

`--restart-postgres` restarts the local PostgreSQL cluster serving the benchmark's URL
(pg_ctlcluster) while the operators work, to show that a server restart loses and doubles
nothing. It disturbs every other user of that server, so it is never part of the test suite and
only runs when asked — best against a cluster of its own:

    pg_createcluster 15 stress --port 5433 -- --auth=trust && pg_ctlcluster 15 stress start
    LEDGER_BENCH_POSTGRES=postgresql://postgres@127.0.0.1:5433/postgres \
        python -m benchmarks.bench_stress --stores postgres --restart-postgres
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg
from eventsourcing.persistence import PersistenceError

from ledger.application import Ledger
from ledger.audit.verify import verify
from ledger.bootstrap import open_ledger
from ledger.errors import BatchRefused

POSTGRES = os.environ.get("LEDGER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
RETRY_FOR_S = 120.0  # an operation is retried this long (a server restart takes a few seconds)
DISTRICTS = ("1703", "1306")

SETUP: list[dict[str, Any]] = [
    {"event": "ProgrammeRegistered", "effective_date": "2021-06-01", "programme": "mcw",
     "name": "Mother and Early Childhood Grant", "benefit": "cash", "id": "setup-programme"},
    *({"event": "DistrictExpanded", "effective_date": "2021-06-18", "programme": "mcw",
       "district": district, "id": f"setup-{district}"} for district in DISTRICTS),
]


@dataclass(frozen=True)
class Plan:
    """What every operator process does."""

    store: str
    operations: int
    import_every: int
    import_lines: int
    contest_every: int
    folder: str


@dataclass
class Tally:
    """What one operator was told."""

    operator: int
    operations: int = 0
    recorded: int = 0  # events the ledger said it recorded
    already: int = 0  # events the ledger said were recorded before (a retried commit, say)
    contested_won: int = 0
    contested_lost: int = 0
    retried: int = 0  # attempts the store could not complete, tried again
    failed: int = 0  # operations given up after RETRY_FOR_S
    seconds: float = 0.0
    acknowledged: list[str] = field(default_factory=list)  # ids of events recorded or already there
    errors: dict[str, int] = field(default_factory=dict)  # store errors retried, by kind


# -- one operator --------------------------------------------------------------------------------


def _enrolment(beneficiary: str, district: str, event_id: str) -> dict[str, Any]:
    return {"event": "BeneficiaryEnrolled", "effective_date": "2021-07-01", "programme": "mcw",
            "beneficiary": beneficiary, "district": district, "sex": "F", "id": event_id}


def _payment(beneficiary: str, payment: str) -> dict[str, Any]:
    return {"event": "PaymentRecorded", "effective_date": "2021-08-12", "programme": "mcw",
            "beneficiary": beneficiary, "payment": payment, "amount": "300000",
            "period": "2021-08", "id": payment}


def _retrying(tally: Tally, attempt: Any) -> Any:
    """Run `attempt()` until the store completes it (or RETRY_FOR_S passes); None if it never did."""
    deadline = time.monotonic() + RETRY_FOR_S
    pause = 0.02
    while True:
        try:
            return attempt()
        except PersistenceError as error:
            kind = type(error).__name__
            tally.errors[kind] = tally.errors.get(kind, 0) + 1
            if time.monotonic() > deadline:
                tally.failed += 1
                return None
            tally.retried += 1
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def operate(number: int, plan: Plan, go: EventType, results: Any) -> None:
    """One operator process: its operations in order, each retried until the store completes it."""
    tally = Tally(operator=number)
    ledger: Ledger = _retrying(tally, lambda: open_ledger(plan.store))
    folder = Path(plan.folder)
    go.wait()
    started = time.perf_counter()
    enrolled: list[str] = []
    for k in range(plan.operations):
        tally.operations += 1
        if plan.contest_every and k % plan.contest_every == 0:
            # Every operator enrols the same beneficiary, each in its own district: one wins.
            event_id = f"contest-{k}-by-{number}"
            objs = [_enrolment(f"C-{k}", DISTRICTS[number % 2], event_id)]
            contested = True
        elif plan.import_every and k % plan.import_every == plan.import_every - 1:
            path = folder / f"op{number}-{k}.jsonl"
            lines = [_enrolment(f"F-{number}-{k}-{n}", DISTRICTS[n % 2], f"file-{number}-{k}-{n}")
                     for n in range(plan.import_lines)]
            path.write_text("".join(json.dumps(line) + "\n" for line in lines))
            objs = lines
            contested = False
        elif enrolled and k % 2:
            beneficiary = enrolled.pop()
            objs = [_payment(beneficiary, f"pay-{number}-{k}")]
            contested = False
        else:
            beneficiary = f"B-{number}-{k}"
            enrolled.append(beneficiary)
            objs = [_enrolment(beneficiary, DISTRICTS[k % 2], f"enrol-{number}-{k}")]
            contested = False

        def attempt(objs: list[dict[str, Any]] = objs, k: int = k) -> Any:
            if len(objs) > 1:
                return ledger.import_file(folder / f"op{number}-{k}.jsonl", operator=f"op{number}")
            return ledger.record_dicts(objs, operator=f"op{number}", source="<command>")

        try:
            receipt = _retrying(tally, attempt)
        except BatchRefused as refused:
            if not contested:
                raise AssertionError(
                    f"operator {number}, operation {k}: {refused.report()}"
                ) from None
            tally.contested_lost += 1
            continue
        if receipt is None:
            continue
        tally.recorded += receipt.count
        tally.already += receipt.already_recorded
        tally.acknowledged.extend(obj["id"] for obj in objs)
        if contested:
            tally.contested_won += 1
    tally.seconds = time.perf_counter() - started
    ledger.close()
    results.put(asdict(tally))


# -- the run -------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One store's figures."""

    store: str
    processes: int
    operations: int
    events: int
    already: int
    seconds: float
    events_per_s: float
    operations_per_s: float
    retried: int
    failed: int
    contested: int
    contested_won: int
    lost: int
    doubled: int
    unacknowledged: int
    chain_ok: bool
    errors: dict[str, int]


def fresh_store(kind: str, folder: Path) -> tuple[str, str | None]:
    """A new empty store; returns its URL and, for PostgreSQL, the schema to drop afterwards."""
    if kind == "sqlite":
        return str(folder / "stress.db"), None
    schema = f"stress_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{separator}schema={schema}", schema


def restart_postgres() -> str:
    """Restart the local PostgreSQL cluster serving POSTGRES's port (Debian's pg_ctlcluster)."""
    port = str(urlparse(POSTGRES).port or 5432)
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True,
                             check=True).stdout
    for version, cluster, cluster_port, *_ in (line.split() for line in listing.splitlines()):
        if cluster_port == port:
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster,
                            "restart"], check=True, capture_output=True)
            return f"{version}/{cluster}"
    raise SystemExit(f"no local PostgreSQL cluster on port {port} to restart")


def run(kind: str, args: argparse.Namespace) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="stress-") as scratch:
        url, schema = fresh_store(kind, Path(scratch))
        try:
            return _run(kind, url, Path(scratch), args)
        finally:
            if schema:
                with psycopg.connect(POSTGRES, autocommit=True) as connection:
                    connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _run(kind: str, url: str, folder: Path, args: argparse.Namespace) -> Outcome:
    ledger = open_ledger(url, create=True)
    ledger.record_dicts(SETUP, operator="setup")
    ledger.close()
    plan = Plan(url, args.operations, args.import_every, args.import_lines, args.contest_every,
                str(folder))
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    results = context.Queue()
    processes = [context.Process(target=operate, args=(n, plan, go, results))
                 for n in range(args.processes)]
    for process in processes:
        process.start()
    time.sleep(1.0)  # let every operator open the store before the clock starts
    started = time.perf_counter()
    go.set()
    if args.restart_postgres and kind == "postgres":
        time.sleep(args.restart_after)
        cluster = restart_postgres()
        print(f"restarted PostgreSQL cluster {cluster} {time.perf_counter() - started:.1f} s "
              "into the run", file=sys.stderr)
    tallies = [results.get(timeout=3600) for _ in processes]
    seconds = time.perf_counter() - started
    for process in processes:
        process.join()
    return _tally_up(kind, url, args, tallies, seconds)


def _tally_up(kind: str, url: str, args: argparse.Namespace, tallies: list[dict[str, Any]],
              seconds: float) -> Outcome:
    ledger = open_ledger(url)
    stored = Counter(event.event_id for _, event in ledger.stored_events())
    contested = Counter(event.beneficiary for _, event in ledger.stored_events()  # type: ignore[attr-defined]
                        if event.event_id.startswith("contest-"))
    chain = verify(ledger.store)
    ledger.close()
    acknowledged = {event_id for tally in tallies for event_id in tally["acknowledged"]}
    acknowledged |= {obj["id"] for obj in SETUP}
    errors: Counter[str] = Counter()
    for tally in tallies:
        errors.update(tally["errors"])
    events = sum(tally["recorded"] for tally in tallies)
    contests = len(range(0, args.operations, args.contest_every)) if args.contest_every else 0
    return Outcome(
        store=kind,
        processes=args.processes,
        operations=sum(tally["operations"] for tally in tallies),
        events=events,
        already=sum(tally["already"] for tally in tallies),
        seconds=round(seconds, 2),
        events_per_s=round(events / seconds, 1),
        operations_per_s=round(sum(t["operations"] for t in tallies) / seconds, 1),
        retried=sum(tally["retried"] for tally in tallies),
        failed=sum(tally["failed"] for tally in tallies),
        contested=contests,
        contested_won=sum(tally["contested_won"] for tally in tallies),
        lost=len(acknowledged - set(stored)),
        doubled=sum(count - 1 for count in stored.values() if count > 1)
        + sum(count - 1 for count in contested.values() if count > 1),
        unacknowledged=len(set(stored) - acknowledged),
        chain_ok=chain.ok,
        errors=dict(errors),
    )


COLUMNS = ("store", "processes", "operations", "events", "already", "seconds", "events_per_s",
           "operations_per_s", "retried", "failed", "contested", "contested_won", "lost",
           "doubled", "unacknowledged", "chain_ok")


def render(outcomes: list[Outcome]) -> str:
    rows = [[str(getattr(outcome, column)) for column in COLUMNS] for outcome in outcomes]
    widths = [max(len(column), *(len(row[i]) for row in rows)) for i, column in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--stores", default="sqlite,postgres",
                        help="comma-separated: sqlite, postgres (default both)")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--operations", type=int, default=300, help="per process")
    parser.add_argument("--import-every", type=int, default=25,
                        help="every Nth operation imports a file (0: never)")
    parser.add_argument("--import-lines", type=int, default=200)
    parser.add_argument("--contest-every", type=int, default=10,
                        help="every Nth operation is an enrolment all processes contest (0: never)")
    parser.add_argument("--restart-postgres", action="store_true",
                        help="restart the local PostgreSQL server mid-run (disturbs its other users)")
    parser.add_argument("--restart-after", type=float, default=3.0, help="seconds into the run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    outcomes = [run(kind.strip(), args) for kind in args.stores.split(",") if kind.strip()]
    if args.json:
        print(json.dumps([asdict(outcome) for outcome in outcomes], indent=2))
    else:
        print(render(outcomes))
        for outcome in outcomes:
            if outcome.errors:
                print(f"{outcome.store}: errors retried by kind: {outcome.errors}")
    bad = [o for o in outcomes if o.lost or o.doubled or o.unacknowledged or not o.chain_ok
           or o.failed or o.contested_won != o.contested]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
