"""What the reliability tests share: a small valid history, the console script, and store snapshots.

A snapshot is a digest of every row of the ledger's four tables (events, chain, keys, placements),
so "the store is unchanged" is checked byte for byte rather than by counting events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import psycopg

from ledger.bootstrap import is_postgres, open_ledger, sqlite_path

LEDGER = Path(sys.executable).parent / "ledger"
"""The console script operators run; multi-process tests start it as they would."""

POSTGRES = os.environ.get("LEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")

TABLES = {
    "events": "SELECT {pos}, originator_id, originator_version, topic, state FROM {events} ORDER BY 1",
    "chain": "SELECT position, digest FROM {chain} ORDER BY position",
    "keys": "SELECT key, originator_id, digest FROM {keys} ORDER BY key",
    "placements": "SELECT programme, district, originator_id FROM {placements} ORDER BY 1, 2, 3",
}

SETUP: list[dict[str, Any]] = [
    {"event": "ProgrammeRegistered", "effective_date": "2021-06-01", "programme": "mcw",
     "name": "Mother and Early Childhood Grant", "benefit": "cash"},
    {"event": "DistrictExpanded", "effective_date": "2021-06-18", "programme": "mcw",
     "district": "1703"},
    {"event": "DistrictExpanded", "effective_date": "2021-06-18", "programme": "mcw",
     "district": "1306"},
    {"event": "BeneficiaryEnrolled", "effective_date": "2021-06-20", "programme": "mcw",
     "beneficiary": "MCW-1703-000001", "district": "1703", "sex": "F",
     "birth_date": "2021-01-05"},
]
"""A programme covering Sanamxay (1703) and Nong (1306), with one beneficiary enrolled."""


def enrolment(beneficiary: str, district: str = "1703", **extra: Any) -> dict[str, Any]:
    return {"event": "BeneficiaryEnrolled", "effective_date": "2021-07-01", "programme": "mcw",
            "beneficiary": beneficiary, "district": district, "sex": "F", **extra}


def payment(payment_id: str, beneficiary: str = "MCW-1703-000001", **extra: Any) -> dict[str, Any]:
    return {"event": "PaymentRecorded", "effective_date": "2021-08-12", "programme": "mcw",
            "beneficiary": beneficiary, "payment": payment_id, "amount": "300000",
            "period": "2021-08", **extra}


def jsonl(objs: list[Mapping[str, Any]]) -> bytes:
    return b"".join(json.dumps(obj).encode() + b"\n" for obj in objs)


@dataclass(frozen=True)
class Snapshot:
    """Row counts and a digest per table: equal snapshots mean an unchanged store."""

    counts: Mapping[str, int]
    digests: Mapping[str, str]

    @property
    def events(self) -> int:
        return self.counts["events"]


def snapshot(url: str) -> Snapshot:
    """Read every row of the ledger's tables straight from the database."""
    counts: dict[str, int] = {}
    digests: dict[str, str] = {}
    for table, rows in _table_rows(url):
        digest = hashlib.sha256()
        for row in rows:
            digest.update(repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row))
                          .encode())
        counts[table] = len(rows)
        digests[table] = digest.hexdigest()
    return Snapshot(counts, digests)


def _table_rows(url: str) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    if is_postgres(url):
        schema = schema_of(url)
        names = {"events": f'"{schema}".ledger_events', "chain": f'"{schema}".ledger_chain',
                 "keys": f'"{schema}".ledger_keys', "placements": f'"{schema}".ledger_placements',
                 "pos": "notification_id"}
        with psycopg.connect(server_url(url)) as connection:
            # One snapshot for all four tables, even while another transaction commits.
            connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            for table, query in TABLES.items():
                yield table, connection.execute(query.format(**names)).fetchall()  # type: ignore[arg-type]
        return
    names = {"events": "stored_events", "chain": "ledger_chain", "keys": "ledger_keys",
             "placements": "ledger_placements", "pos": "rowid"}
    connection = sqlite3.connect(sqlite_path(url))
    try:
        for table, query in TABLES.items():
            yield table, connection.execute(query.format(**names)).fetchall()
    finally:
        connection.close()


def settle(url: str) -> None:
    """Wait until no transaction holds the store's write lock (a killed client's, on PostgreSQL,
    ends only when its server process notices: committed if its COMMIT had been sent, else not)."""
    if not is_postgres(url):
        return  # a killed process's SQLite locks went with it
    with psycopg.connect(server_url(url)) as connection:
        connection.execute("SET lock_timeout = '60s'")
        connection.execute(f'LOCK TABLE "{schema_of(url)}".ledger_events IN EXCLUSIVE MODE')


def schema_of(url: str) -> str:
    return parse_qs(urlparse(url).query).get("schema", ["public"])[0]


def server_url(url: str) -> str:
    """The PostgreSQL URL without the ledger's `?schema=` (which libpq does not understand)."""
    return url.split("?", 1)[0]


def stored_positions(url: str) -> list[int]:
    """The positions of the stored events, in order."""
    return [row[0] for row in dict(_table_rows(url))["events"]]


def event_ids(url: str) -> list[str]:
    """Every stored `id:` key, i.e. the ids of all recorded events."""
    return [key for key, *_ in dict(_table_rows(url))["keys"] if key.startswith("id:")]


WORKER = Path(__file__).with_name("workers.py")


def run_workers(store: str, plans: list[list[dict[str, Any]]], folder: Path,
                timeout: float = 120) -> list[list[dict[str, Any]]]:
    """Run one worker process per plan, all starting together; return each one's step results."""
    folder.mkdir(parents=True, exist_ok=True)
    go = folder / "go"
    processes = []
    outs = []
    for number, plan in enumerate(plans):
        plan_file = folder / f"plan-{number}.json"
        plan_file.write_text(json.dumps(plan))
        out = folder / f"result-{number}.jsonl"
        outs.append(out)
        processes.append(subprocess.Popen(
            [sys.executable, str(WORKER), "plan", store, str(plan_file), str(go), str(out)],
            stderr=subprocess.PIPE, text=True,
        ))
    deadline = time.monotonic() + timeout
    while not all(out.with_suffix(".ready").exists() for out in outs):
        if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    go.touch()
    failures = []
    for process in processes:
        try:
            _, stderr = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
        if process.returncode != 0:
            failures.append(stderr)
    assert not failures, "\n".join(failures)
    return [[json.loads(line) for line in out.read_text().splitlines()] for out in outs]


REFERENCE_DATES = (dt.date(2021, 6, 30), dt.date(2021, 8, 31), dt.date(2025, 12, 31))


def assert_projections_agree(store: str, path: Path) -> None:
    """The projections file at `path`, brought up to date, holds the same facts as a rebuild from
    scratch, and every table at REFERENCE_DATES equals the independent reference model's."""
    from reference_model import Reference, events_of

    from projections import TABLES, Projections, table

    ledger = open_ledger(store)
    try:
        rebuilt = path.with_name(f"rebuilt-{uuid.uuid4().hex[:8]}.duckdb")
        with Projections.of_store(ledger.store, path=path) as live, \
                Projections.of_store(ledger.store, path=rebuilt) as full:
            query = "SELECT * FROM facts ORDER BY position"
            assert live.connection.execute(query).fetchall() == \
                full.connection.execute(query).fetchall()
            events = events_of(ledger)
            assert live.facts.position() == len(events)
            for as_of in REFERENCE_DATES:
                when = live.point_in_time(as_of)
                reference = Reference(events, as_of, when.known_at)
                for name in TABLES:
                    assert table(live, name, when).to_pylist() == reference.table(name), name
    finally:
        ledger.close()


def assert_none_or_all(store: str, before: Snapshot, keys: set[str]) -> bool:
    """The store holds none or all of a file's events; True if all."""
    settle(store)
    after = snapshot(store)
    if after == before:
        return False
    assert after.events == before.events + len(keys), "part of a file was recorded"
    assert keys <= set(event_ids(store))
    return True


def assert_whole(store: str, expected: set[str]) -> None:
    """Exactly the expected events, once each, at gapless positions, and the chain verifies."""
    from ledger.audit.verify import verify
    from ledger.bootstrap import open_ledger

    ids = event_ids(store)
    assert len(ids) == len(set(ids)) and set(ids) == expected
    assert stored_positions(store) == list(range(1, len(expected) + 1))
    ledger = open_ledger(store)
    verification = verify(ledger.store)
    ledger.close()
    assert verification.ok, verification.first
