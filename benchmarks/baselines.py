"""The baselines of SPEC §9, measured on this machine in the same run as the figures.

(a) plain library: an `eventsourcing` Application saving 1,000 two-event aggregates per
    `app.save(*aggregates)` call (SQLite and PostgreSQL);
(b) plain library read: rows read from a ledger store (`store.read_rows`), each decoded by the
    library's mapper with its JSON transcoder (`mapper.to_domain_event`);
(c) raw database write: `executemany` of the same stored rows (ids, versions, topics, states taken
    from a real ledger store) into the library's events table, one transaction, default sync;
    for PostgreSQL also a raw `COPY`;
(d) raw database read: `SELECT rowid, * FROM stored_events`, fetched in batches.

    .venv/bin/python -m benchmarks.baselines                  # SQLite and PostgreSQL
    .venv/bin/python -m benchmarks.baselines --stores sqlite --save-events 100000

Each is a rate (events or rows per second); every measurement runs in a fresh process (see
benchmarks/common.py), so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from benchmarks.common import (
    SEED,
    WORK,
    Result,
    checkpoint,
    fmt_rate,
    history,
    log,
    postgres_reachable,
    postgres_schema,
    print_table,
    rate,
    remove_store,
    save_results,
    step,
    timer,
)

SAVE_EVENTS = 200_000  # (a): 100 saves of 1,000 two-event aggregates
PER_SAVE = 1_000
DECODE_EVENTS = 1_000_000  # (b)
INSERT_ROWS = 200_000  # (c)
READ_BATCH = 50_000  # (b), (d): rows per query, as the ledger reads them
BUILD_CHUNK = 500_000  # lines per batch when building a cached store
SAMPLE_SCALE = 0.05  # the sample store's history (~75k events) when no bigger store is given

EVENTS_TABLE = "stored_events"


# -- (a) plain library ---------------------------------------------------------------------------


class Beneficiary(Aggregate):
    """A plain library aggregate with the fields of an enrolment, and a payment."""

    @staticmethod
    def create_id(programme: str, beneficiary: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE_URL, f"bench/{programme}/{beneficiary}")

    @event("Enrolled")
    def __init__(
        self,
        programme: str,
        beneficiary: str,
        district: str,
        sex: str,
        birth_date: str,
        household: str,
        effective_date: str,
        operator: str,
        event_id: str,
    ) -> None:
        self.programme = programme
        self.beneficiary = beneficiary
        self.district = district
        self.payments: list[str] = []

    @event("Paid")
    def pay(self, payment: str, amount: str, period: str, currency: str, effective_date: str,
            operator: str, event_id: str) -> None:
        self.payments.append(payment)


class PlainApplication(Application[UUID]):
    name = "PlainBench"


def _plain_env(url: str) -> dict[str, str]:
    from ledger.bootstrap import store_env

    env = store_env(url, create=True)
    env.pop("APPLICATION_RECORDER_TOPIC")  # the library's own recorder, not the ledger's
    return env


def plain_save(url: str, events: int = SAVE_EVENTS, per_save: int = PER_SAVE,
               seed: int = SEED) -> Result:
    """(a) Create two-event aggregates and save them `per_save` at a time, one call each."""
    app = PlainApplication(env=_plain_env(url))
    rng = random.Random(seed)
    districts = [f"{p:02d}{d:02d}" for p in range(1, 18) for d in range(1, 9)]
    saves = max(1, events // (2 * per_save))
    serial = 0
    with timer() as elapsed:
        for _ in range(saves):
            aggregates = []
            for _ in range(per_save):
                serial += 1
                district = rng.choice(districts)
                beneficiary = Beneficiary(
                    programme="mcw",
                    beneficiary=f"MCW-{district}-{serial:07d}",
                    district=district,
                    sex=rng.choice("FM"),
                    birth_date=f"20{rng.randint(10, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    household=f"HH-{district}-{rng.randrange(10**6):06d}",
                    effective_date="2023-03-15",
                    operator=f"op-{district}-1",
                    event_id=f"mcw-enr-{serial:09d}",
                )
                beneficiary.pay(
                    payment=f"P-{serial:09d}", amount="300000", period="2023-04", currency="LAK",
                    effective_date="2023-04-12", operator=f"op-{district}-1",
                    event_id=f"mcw-pay-{serial:09d}",
                )
                aggregates.append(beneficiary)
            app.save(*aggregates)
    app.close()
    stored = saves * per_save * 2
    return {"events": stored, "seconds": elapsed(), "rate": rate(stored, elapsed())}


# -- (b) library mapper decode, (d) raw read -------------------------------------------------


def _library_mapper() -> Any:
    """The library's mapper with its default JSON transcoder (plus the ledger's date encoding)."""
    from eventsourcing.persistence import (
        DatetimeAsISO,
        DecimalAsStr,
        JSONTranscoder,
        Mapper,
        UUIDAsHex,
    )

    from ledger.codec.transcoder import DateAsISO

    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


def mapper_decode(store: str, limit: int = DECODE_EVENTS, ledger_mapper: bool = False) -> Result:
    """(b) Read stored rows from the ledger store and decode each through a mapper.

    With `ledger_mapper`, the ledger's own mapper (orjson transcoder) instead of the library's.
    """
    from eventsourcing.persistence import StoredEvent

    from ledger.bootstrap import open_ledger

    ledger = open_ledger(store)
    mapper = ledger.mapper if ledger_mapper else _library_mapper()
    decoded = 0
    decode_s = 0.0
    after = 0
    with timer() as elapsed:
        while decoded < limit:
            rows = ledger.store.read_rows(after, min(READ_BATCH, limit - decoded))
            if not rows:
                break
            with timer() as decoding:
                for _, originator_id, version, topic, state in rows:
                    mapper.to_domain_event(
                        StoredEvent(UUID(originator_id), version, topic, state)
                    )
            decode_s += decoding()
            decoded += len(rows)
            after = rows[-1][0]
    ledger.close()
    return {"events": decoded, "seconds": elapsed(), "rate": rate(decoded, elapsed()),
            "decode_only_rate": rate(decoded, decode_s)}


def raw_read(store: str, limit: int = 0, batch: int = READ_BATCH) -> Result:
    """(d) `SELECT rowid, * FROM stored_events` in batches of `batch` rows (all rows if limit=0)."""
    connection = sqlite3.connect(Path(store).resolve().as_uri() + "?mode=ro", uri=True)
    read = 0
    after = 0
    with timer() as elapsed:
        while not limit or read < limit:
            rows = connection.execute(
                f"SELECT rowid, * FROM {EVENTS_TABLE} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (after, batch if not limit else min(batch, limit - read)),
            ).fetchall()
            if not rows:
                break
            read += len(rows)
            after = rows[-1][0]
    connection.close()
    return {"rows": read, "seconds": elapsed(), "rate": rate(read, elapsed())}


# -- (c) raw insert ------------------------------------------------------------------------------


def _sample_rows(store: str, count: int) -> list[tuple[str, int, str, bytes]]:
    connection = sqlite3.connect(Path(store).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return connection.execute(
            f"SELECT originator_id, originator_version, topic, state FROM {EVENTS_TABLE} "
            "ORDER BY rowid LIMIT ?",
            (count,),
        ).fetchall()
    finally:
        connection.close()


def raw_insert_sqlite(store: str, target: str, rows: int = INSERT_ROWS) -> Result:
    """(c) executemany of a real store's rows into a fresh file with the library's events table.

    WAL journal (as the library and the ledger set it), default `synchronous`, one transaction.
    """
    sample = _sample_rows(store, rows)
    remove_store(Path(target))
    PlainApplication(env=_plain_env(target)).close()  # the library creates its table
    connection = sqlite3.connect(target, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    statement = (f"INSERT INTO {EVENTS_TABLE} (originator_id, originator_version, topic, state) "
                 "VALUES (?, ?, ?, ?)")
    with timer() as elapsed:
        connection.execute("BEGIN")
        connection.executemany(statement, sample)
        connection.execute("COMMIT")
    connection.close()
    remove_store(Path(target))
    return {"rows": len(sample), "seconds": elapsed(), "rate": rate(len(sample), elapsed())}


def raw_insert_postgres(store: str, url: str, rows: int = INSERT_ROWS, copy: bool = False) -> Result:
    """(c) executemany (or COPY) of a real store's rows into the library's PostgreSQL table."""
    import psycopg

    from ledger.bootstrap import store_env

    sample = [(UUID(o), v, t, s) for o, v, t, s in _sample_rows(store, rows)]
    app = PlainApplication(env=_plain_env(url))  # the library creates its table
    events_table = str(getattr(app.recorder, "events_table_name", EVENTS_TABLE))
    app.close()
    table = f'"{store_env(url)["POSTGRES_SCHEMA"]}"."{events_table}"'
    columns = "originator_id, originator_version, topic, state"
    with psycopg.connect(url.split("?")[0]) as connection, timer() as elapsed, \
            connection.transaction(), connection.cursor() as cursor:
        if copy:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as writer:
                for row in sample:
                    writer.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s)", sample)
    return {"rows": len(sample), "seconds": elapsed(), "rate": rate(len(sample), elapsed())}


# -- orchestration -------------------------------------------------------------------------------


def sample_store(seed: int = SEED) -> Path:
    """A small real ledger store (cached) to take rows from when no bigger one is at hand."""
    path = WORK / f"sample-s{SAMPLE_SCALE:g}-seed{seed}.db"
    if path.is_file():
        return path
    source = history(SAMPLE_SCALE, seed)
    partial = path.with_name(path.name + ".partial")
    log(f"building the sample store {path.name} ...")
    step("benchmarks.baselines:build_store", source=str(source), store=str(partial))
    partial.replace(path)
    return path


def build_store(source: str, store: str, chunk: int = BUILD_CHUNK) -> Result:
    """Import a history file into a fresh SQLite store, `chunk` lines per batch (cached inputs).

    One batch per `chunk` lines, as monthly files would be: a batch keeps per-line state until
    it commits, and a cached input need not pay for that at 10M lines. (The import figure itself
    is one file in one batch: benchmarks/bench_import.py.)
    """
    from ledger.bootstrap import open_ledger
    from ledger.interchange.reader import read_facts

    remove_store(Path(store))
    ledger = open_ledger(store, create=True)
    lines = iter(read_facts(Path(source)))
    events = 0
    with timer() as elapsed:
        for first in lines:
            receipt = ledger.record(chain([first], islice(lines, chunk - 1)), operator="bench",
                                    historical=True)
            events += receipt.count
            log(f"  {events:,} events recorded ({rate(events, elapsed()):,.0f}/s)")
    ledger.close()
    checkpoint(Path(store))
    return {"events": events, "seconds": elapsed(), "rate": rate(events, elapsed()),
            "chunk": chunk}


@dataclass
class Baselines:
    """The measured baselines, each a step result with a `rate`, by name."""

    results: dict[str, Result] = field(default_factory=dict)

    def rate(self, name: str) -> float | None:
        result = self.results.get(name)
        return None if result is None else float(result["rate"])

    def rows(self) -> list[list[object]]:
        return [
            [name, DESCRIPTIONS[name], fmt_rate(r["rate"], "ev/s" if "events" in r else "rows/s"),
             r.get("events", r.get("rows")), f"{r['seconds']:.2f} s", f"{r['peak_rss_mib']:,.0f} MiB",
             SPEC_FIGURES.get(name, "—")]
            for name, r in self.results.items()
        ]

    def print(self, title: str = "Baselines (this machine, this run)") -> None:
        print_table(("id", "baseline", "rate", "count", "time", "peak RSS", "SPEC §9"), self.rows(),
                    title)


DESCRIPTIONS = {
    "a.sqlite": "plain library save, 1,000 two-event aggregates per save, SQLite",
    "a.postgres": "plain library save, 1,000 two-event aggregates per save, PostgreSQL",
    "b": "read stored rows + library mapper decode (JSON transcoder)",
    "b.ledger": "read stored rows + the ledger's mapper decode (orjson transcoder)",
    "c.sqlite": "raw sqlite3 executemany of stored rows, one transaction",
    "c.postgres": "raw psycopg executemany of stored rows, one transaction",
    "c.postgres-copy": "raw psycopg COPY of stored rows, one transaction",
    "d": "raw read: SELECT rowid, * FROM stored_events, 50k-row batches",
}
SPEC_FIGURES = {"a.sqlite": "≈ 19k", "a.postgres": "≈ 11k", "b": "≈ 90k", "c.sqlite": "≈ 90k",
                "d": "≈ 640k"}


def measure(
    *,
    stores: Sequence[str] = ("sqlite", "postgres"),
    which: Sequence[str] = ("a", "b", "c", "d"),
    source: Path | None = None,
    save_events: int = SAVE_EVENTS,
    decode_events: int = DECODE_EVENTS,
    insert_rows: int = INSERT_ROWS,
    read_events: int = 0,
    seed: int = SEED,
) -> Baselines:
    """Measure the chosen baselines; rows for (b), (c), (d) come from the SQLite store `source`."""
    measured = Baselines()
    postgres = "postgres" in stores and _postgres_or_warn()
    if ("b" in which or "c" in which or "d" in which) and source is None:
        source = sample_store(seed)
    if "a" in which:
        if "sqlite" in stores:
            target = WORK / "baseline-plain.db"
            remove_store(target)
            log("(a) plain library save, SQLite ...")
            measured.results["a.sqlite"] = step("benchmarks.baselines:plain_save", url=str(target),
                                                events=save_events, seed=seed)
            remove_store(target)
        if postgres:
            log("(a) plain library save, PostgreSQL ...")
            with postgres_schema("bench_plain") as (_, url):
                measured.results["a.postgres"] = step("benchmarks.baselines:plain_save", url=url,
                                                      events=save_events, seed=seed)
    if "b" in which:
        log("(b) library mapper decode ...")
        measured.results["b"] = step("benchmarks.baselines:mapper_decode", store=str(source),
                                     limit=decode_events)
        measured.results["b.ledger"] = step("benchmarks.baselines:mapper_decode", store=str(source),
                                            limit=decode_events, ledger_mapper=True)
    if "c" in which:
        if "sqlite" in stores:
            log("(c) raw executemany, SQLite ...")
            measured.results["c.sqlite"] = step(
                "benchmarks.baselines:raw_insert_sqlite", store=str(source),
                target=str(WORK / "baseline-raw.db"), rows=insert_rows,
            )
        if postgres:
            log("(c) raw executemany and COPY, PostgreSQL ...")
            for name, copy in (("c.postgres", False), ("c.postgres-copy", True)):
                with postgres_schema("bench_raw") as (_, url):
                    measured.results[name] = step(
                        "benchmarks.baselines:raw_insert_postgres", store=str(source), url=url,
                        rows=insert_rows, copy=copy,
                    )
    if "d" in which:
        log("(d) raw read ...")
        measured.results["d"] = step("benchmarks.baselines:raw_read", store=str(source),
                                     limit=read_events)
    return measured


def _postgres_or_warn() -> bool:
    problem = postgres_reachable()
    if problem:
        log(f"PostgreSQL skipped: {problem}")
    return problem is None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.baselines", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--which", default="a,b,c,d", help="baselines to measure (a,b,c,d)")
    parser.add_argument("--source", type=Path, help="a SQLite ledger store to take rows from "
                        f"(default: a cached sample of scale {SAMPLE_SCALE:g})")
    parser.add_argument("--save-events", type=int, default=SAVE_EVENTS)
    parser.add_argument("--decode-events", type=int, default=DECODE_EVENTS)
    parser.add_argument("--insert-rows", type=int, default=INSERT_ROWS)
    parser.add_argument("--read-events", type=int, default=0, help="0: every stored row")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    baselines = measure(
        stores=args.stores.split(","), which=args.which.split(","), source=args.source,
        save_events=args.save_events, decode_events=args.decode_events,
        insert_rows=args.insert_rows, read_events=args.read_events, seed=args.seed,
    )
    baselines.print()
    path = save_results("baselines", {"baselines": baselines.results})
    log(f"results in {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
