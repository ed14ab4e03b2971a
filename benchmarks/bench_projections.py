"""The projections at scale: full rebuild, incremental catch-up, `counts`, `reach`, `monthly` and a
replay to Parquet, on a large synthetic ledger that is quick to build.

    .venv/bin/python -m benchmarks.bench_projections                    # 10M events
    .venv/bin/python -m benchmarks.bench_projections --events 1000000   # a quicker run

The ledger: a real SQLite store (made by `open_ledger(create=True)`, the library's schema) whose
`stored_events` rows are written directly, in the exact topics and JSON the ledger writes (checked
at build time by decoding a sample through the ledger's own mapper): two programmes (MCW cash
transfers paid every two months, in-kind school meals) expanding over 2021–2025, enrolments,
transfers, exits, back-dated (late-recorded) events, reversals and retractions. The rules of §3 are
not checked on the way in — that is the import benchmark's job; the projections read whatever is
stored. Built once per size and cached in benchmarks/work/ (`synthetic-<events>.db`).

Each measured step runs in a fresh process (benchmarks/common.py), so its peak memory is its own:
1. rebuild: a new projections file, every stored event extracted (events/s);
2. catch-up: 10,000 more events appended to the store, then `update()` (seconds);
3. warm queries: `counts` and `reach` for seeded random dates, `monthly` as of 2025-12-31
   (60 month-ends), each timed alone; and `ledger counts` as a whole command;
4. replay: the five tables as of one date written to Parquet (the facts already extracted);
   rebuild + replay is the SPEC §9 "full replay to Parquet". A second table gives its phases,
   wall and CPU: extracting the batches, settling the timeline once, each table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import (
    PYTHON,
    ROOT,
    WORK,
    Result,
    copy_file,
    fmt_rate,
    fmt_seconds,
    log,
    print_table,
    rate,
    remove_store,
    save_results,
    step,
    timer,
)

SEED = 2021
TAIL = 10_000
AS_OF = "2025-12-31"
LAO = dt.timezone(dt.timedelta(hours=7))
ENROLMENT = "ledger.domain.enrolment:Enrolment."
PROGRAMME = "ledger.domain.programme:Programme."

Row = tuple[int, str, int, str, bytes]


# -- the synthetic ledger ------------------------------------------------------------------------


def _date(day: dt.date) -> str:
    return f'{{"_type_":"date_iso","_data_":"{day.isoformat()}"}}'


class SyntheticLedger:
    """Events in the ledger's stored form, generated month by month in recording order."""

    def __init__(self, seed: int, enrolments_per_month: int):
        from ledger.domain.ids import enrolment_id, programme_id
        from ledger.geography import load_geography

        self.random = random.Random(seed)
        self.per_month = enrolments_per_month
        self.enrolment_id = enrolment_id
        self.programme_ids = {p: programme_id(p).hex for p in ("mcw", "meals")}
        self.districts = sorted(load_geography().districts)
        self.versions: dict[str, int] = {}
        self.covered: dict[str, list[str]] = {"mcw": [], "meals": []}
        self.active: dict[str, list[tuple[str, str]]] = {"mcw": [], "meals": []}
        self.serial = 0
        self.position = 0

    def rows(self, limit: int, start: dt.date = dt.date(2021, 6, 1)) -> Iterator[Row]:
        """Up to `limit` events, from `start` on, month after month."""
        month = start
        while True:
            for row in self._month(month):
                yield row
                if self.position >= limit:
                    return
            month = (month.replace(day=28) + dt.timedelta(days=5)).replace(day=1)

    def tail(self, count: int, day: dt.date) -> Iterator[Row]:
        """`count` more events recorded on `day`: new MCW enrolments, each with a payment."""
        self.clock = dt.datetime.combine(day, dt.time(8), LAO)
        first = self.position
        for n in range(count // 2):
            beneficiary = f"tail-{first}-{n}"
            district = self.covered["mcw"][n % len(self.covered["mcw"])]
            yield self._enrol("mcw", beneficiary, district, day)
            yield self._pay("mcw", beneficiary, day, day.strftime("%Y-%m"))

    # -- one month ---------------------------------------------------------------------------

    def _month(self, month: dt.date) -> Iterator[Row]:
        rnd = self.random
        self.clock = dt.datetime.combine(month, dt.time(8), LAO)
        if month == dt.date(2021, 6, 1):
            yield self._programme_event("mcw", "ProgrammeRegistered", month,
                                        '"name":"MCW","benefit":"cash","currency":"LAK"')
            yield self._programme_event("meals", "ProgrammeRegistered", month,
                                        '"name":"School meals","benefit":"in-kind",'
                                        '"currency":null')
        if month.month in (6, 12) or month == dt.date(2021, 6, 1):
            for programme, count in (("mcw", 4), ("meals", 12)):
                for district in rnd.sample(self.districts, count):
                    if district not in self.covered[programme]:
                        self.covered[programme].append(district)
                        yield self._programme_event(programme, "DistrictExpanded", month,
                                                    f'"district":"{district}"')
        for programme, share in (("mcw", 0.4), ("meals", 0.6)):
            for _ in range(int(self.per_month * share)):
                self.serial += 1
                beneficiary = f"{programme[0].upper()}{self.serial:08d}"
                district = rnd.choice(self.covered[programme])
                day = month + dt.timedelta(days=rnd.randrange(27))
                yield self._enrol(programme, beneficiary, district, day)
            active = self.active[programme]
            for _ in range(len(active) // 100):  # transfers
                i = rnd.randrange(len(active))
                beneficiary, district = active[i]
                moved = rnd.choice(self.covered[programme])
                if moved != district:
                    active[i] = (beneficiary, moved)
                    yield self._event(programme, beneficiary, "BeneficiaryTransferred",
                                      month + dt.timedelta(days=rnd.randrange(27)),
                                      f'"district":"{moved}"')
            for _ in range(len(active) // 60):  # exits
                i = rnd.randrange(len(active))
                beneficiary, _ = active[i]
                active[i] = active[-1]
                active.pop()
                yield self._event(programme, beneficiary, "BeneficiaryExited",
                                  month + dt.timedelta(days=27), '"reason":"graduated"')
        if month.month % 2 == 0:  # the MCW payment round
            period = month.strftime("%Y-%m")
            day = month + dt.timedelta(days=11)
            for beneficiary, _ in list(self.active["mcw"]):
                row = self._pay("mcw", beneficiary, day, period)
                yield row
                draw = rnd.random()
                if draw < 0.002:
                    yield self._event("mcw", beneficiary, "PaymentReversed", day,
                                      f'"payment":"{self._payment}","reason":"duplicate"')
                elif draw < 0.0025:
                    yield self._event("mcw", beneficiary, "EventRetracted", day,
                                      f'"retracts":"{self._last_id}","reason":"mistake"',
                                      retraction=True)

    # -- events ------------------------------------------------------------------------------

    def _enrol(self, programme: str, beneficiary: str, district: str, day: dt.date) -> Row:
        rnd = self.random
        self.active[programme].append((beneficiary, district))
        born = (dt.date(1975, 1, 1) if programme == "mcw" else dt.date(2010, 1, 1)) \
            + dt.timedelta(days=rnd.randrange(9000 if programme == "mcw" else 3500))
        birth = "null" if rnd.random() < 0.05 else _date(born)
        # One enrolment in twenty is recorded late: back-dated by up to two months.
        effective = day - dt.timedelta(days=rnd.randrange(60)) if rnd.random() < 0.05 else day
        return self._event(
            programme, beneficiary, "BeneficiaryEnrolled", effective,
            f'"district":"{district}","sex":"{rnd.choice("FM")}","birth_date":{birth},'
            '"household":null',
        )

    def _pay(self, programme: str, beneficiary: str, day: dt.date, period: str) -> Row:
        self._payment = f"pay-{self.position + 1}"
        return self._event(
            programme, beneficiary, "PaymentRecorded", day,
            f'"payment":"{self._payment}","amount":{{"_type_":"decimal_str","_data_":"300000.00"}},'
            f'"period":"{period}","currency":"LAK"',
        )

    def _programme_event(self, programme: str, name: str, day: dt.date, fields: str) -> Row:
        return self._row(self.programme_ids[programme], PROGRAMME + name, day,
                         f'"programme":"{programme}",{fields}')

    def _event(self, programme: str, beneficiary: str, name: str, day: dt.date, fields: str,
               *, retraction: bool = False) -> Row:
        originator = self.enrolment_id(programme, beneficiary).hex
        own = f'{fields},"programme":"{programme}","beneficiary":"{beneficiary}"' if retraction \
            else f'"programme":"{programme}","beneficiary":"{beneficiary}",{fields}'
        return self._row(originator, ENROLMENT + name, day, own)

    def _row(self, originator: str, topic: str, day: dt.date, fields: str) -> Row:
        self.position += 1
        self.clock += dt.timedelta(seconds=1)
        recorded = max(self.clock, dt.datetime.combine(day, dt.time(8), LAO))
        self.clock = recorded
        self._last_id = f"ev-{self.position}"
        version = self.versions.get(originator, 0) + 1
        self.versions[originator] = version
        state = (
            f'{{"timestamp":{{"_type_":"datetime_iso","_data_":"{recorded.isoformat()}"}},'
            f'"event_id":"{self._last_id}","effective_date":{_date(day)},'
            f'"operator":"bench","note":null,{fields}}}'
        )
        return (self.position, originator, version, topic, state.encode())


def build(path: Path, events: int, seed: int = SEED) -> Path:
    """The synthetic ledger with `events` events (cached)."""
    if path.is_file():
        return path
    from ledger.bootstrap import open_ledger

    partial = path.with_name(path.name + ".partial.db")
    remove_store(partial)
    open_ledger(str(partial), create=True).close()
    generator = SyntheticLedger(seed, enrolments_per_month=max(events // 130, 10))
    connection = sqlite3.connect(partial)
    insert = "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) " \
        "VALUES (?, ?, ?, ?, ?)"
    chunk: list[Row] = []
    for row in generator.rows(events):
        chunk.append(row)
        if len(chunk) == 100_000:
            connection.executemany(insert, chunk)
            connection.commit()
            chunk.clear()
            log(f"  {row[0]:,} events written")
    connection.executemany(insert, chunk)
    connection.commit()
    connection.close()
    _check_decodes(partial)
    partial.replace(path)
    return path


def _check_decodes(path: Path) -> None:
    """The synthetic rows are what the ledger would have stored: its mapper reads them back."""
    from ledger.bootstrap import open_ledger

    ledger = open_ledger(str(path))
    try:
        seen = set()
        for n, (_, event) in enumerate(ledger.stored_events()):
            seen.add(type(event).__name__)
            if n >= 200_000:
                break
        assert {"ProgrammeRegistered", "BeneficiaryEnrolled", "PaymentRecorded"} <= seen, seen
    finally:
        ledger.close()


def append_tail(path: Path, count: int) -> None:
    """Append `count` events recorded after everything in the ledger: new MCW enrolments in
    districts the programme covers, each with a payment."""
    connection = sqlite3.connect(path)
    top = connection.execute("SELECT max(rowid) FROM stored_events").fetchone()[0]
    districts = sorted({
        json.loads(state)["district"]
        for (state,) in connection.execute(
            "SELECT state FROM stored_events WHERE topic = ?",
            (PROGRAMME + "DistrictExpanded",),
        )
        if json.loads(state)["programme"] == "mcw"
    })
    generator = SyntheticLedger(SEED, enrolments_per_month=0)
    generator.position = top
    generator.covered["mcw"] = districts
    rows = list(generator.tail(count, dt.date(2026, 1, 5)))
    connection.executemany(
        "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?, ?)", rows)
    connection.commit()
    connection.close()


# -- measured steps (each in a fresh process) ----------------------------------------------------


def rebuild(store: str, path: str) -> Result:
    from ledger.bootstrap import open_ledger
    from projections.service import Projections

    remove_store(Path(path))
    ledger = open_ledger(store)
    extracted: list[tuple[float, float]] = []  # (wall, CPU) when the last batch was in

    def progress(done: int, total: int) -> None:
        extracted[:] = [(time.perf_counter(), time.process_time())]

    with Projections.of_store(ledger.store, path=path, update=False) as projections, \
            timer() as elapsed:
        started, cpu_started = time.perf_counter(), time.process_time()
        events = projections.rebuild(progress)
        ended, cpu_ended = time.perf_counter(), time.process_time()
    ledger.close()
    # The batches are extracted, then the timeline and retractions are settled once.
    last_wall, last_cpu = extracted[0] if extracted else (started, cpu_started)
    phases = {"extract": {"seconds": last_wall - started, "cpu_s": last_cpu - cpu_started},
              "settle": {"seconds": ended - last_wall, "cpu_s": cpu_ended - last_cpu}}
    return {"events": events, "seconds": elapsed(), "cpu_s": cpu_ended - cpu_started,
            "phases": phases}


def catch_up(store: str, path: str) -> Result:
    from ledger.bootstrap import open_ledger
    from projections.service import Projections

    ledger = open_ledger(store)
    cpu = time.process_time()
    with timer() as elapsed, Projections.of_store(ledger.store, path=path) as projections:
        events = projections.facts.count()
    cpu = time.process_time() - cpu
    ledger.close()
    return {"events_total": events, "seconds": elapsed(), "cpu_s": cpu}


def warm_queries(store: str, path: str, dates: list[str]) -> Result:
    from ledger.bootstrap import open_ledger
    from projections import queries
    from projections.service import Projections

    ledger = open_ledger(store)
    result: Result = {"counts_s": [], "reach_s": [], "counts_by_all_s": []}
    with Projections.of_store(ledger.store, path=path) as projections:
        for day in dates:
            when = projections.point_in_time(dt.date.fromisoformat(day))
            with timer() as elapsed:
                rows = queries.counts(projections, when)
            result["counts_s"].append(elapsed())
            with timer() as elapsed:
                queries.counts(projections, when,
                               by=("programme", "province", "district", "sex", "age_band"))
            result["counts_by_all_s"].append(elapsed())
            with timer() as elapsed:
                queries.reach(projections, when)
            result["reach_s"].append(elapsed())
        result["active_on_last_date"] = sum(r["beneficiaries"] for r in rows)
        when = projections.point_in_time(dt.date.fromisoformat(AS_OF))
        with timer() as elapsed:
            monthly = queries.table(projections, "monthly", when)
        result["monthly_s"] = elapsed()
        result["monthly_rows"] = monthly.num_rows
    ledger.close()
    return result


def replay(store: str, path: str, out: str) -> Result:
    from ledger.bootstrap import open_ledger
    from projections import queries
    from projections.service import Projections

    ledger = open_ledger(store)
    starts: list[tuple[str, float, float]] = []  # (table, wall, CPU) as each table begins

    def on_table(name: str) -> None:
        starts.append((name, time.perf_counter(), time.process_time()))

    with Projections.of_store(ledger.store, path=path) as projections:
        when = projections.point_in_time(dt.date.fromisoformat(AS_OF))
        cpu = time.process_time()
        with timer() as elapsed:
            written = queries.replay(projections, when, Path(out), on_table=on_table)
        ended, cpu_ended = time.perf_counter(), time.process_time()
        cpu = cpu_ended - cpu
    ledger.close()
    ends = [(wall, used) for _, wall, used in starts[1:]] + [(ended, cpu_ended)]
    tables = {name: {"seconds": end - wall, "cpu_s": cpu_end - used}
              for (name, wall, used), (end, cpu_end) in zip(starts, ends, strict=True)}
    return {"seconds": elapsed(), "cpu_s": cpu, "rows": {w.table: w.rows for w in written},
            "tables": tables}


def cli_counts(store: str) -> Result:
    with timer() as elapsed:
        subprocess.run([str(Path(PYTHON).parent / "ledger"), "--store", store, "counts",
                        "--as-of", AS_OF], cwd=ROOT, check=True, capture_output=True)
    return {"seconds": elapsed()}


# -- the run -------------------------------------------------------------------------------------


def run(events: int, dates: int) -> dict[str, Any]:
    WORK.mkdir(parents=True, exist_ok=True)
    base = WORK / f"synthetic-{events}.db"
    with timer() as elapsed:
        build(base, events)
    log(f"synthetic ledger: {base.name} ({elapsed():.0f} s)")
    store = WORK / f"synthetic-{events}-run.db"
    projections = WORK / f"synthetic-{events}-run.projections.duckdb"
    copy_file(base, store)
    rnd = random.Random(SEED)
    days = [(dt.date(2021, 7, 1) + dt.timedelta(days=rnd.randrange(1640))).isoformat()
            for _ in range(dates)]
    raw: dict[str, Any] = {"events": events}
    log("rebuild ...")
    raw["rebuild"] = step("benchmarks.bench_projections:rebuild", store=str(store),
                          path=str(projections))
    append_tail(store, TAIL)
    log("catch-up ...")
    raw["catch_up"] = step("benchmarks.bench_projections:catch_up", store=str(store),
                           path=str(projections))
    log("warm queries ...")
    raw["queries"] = step("benchmarks.bench_projections:warm_queries", store=str(store),
                          path=str(projections), dates=days)
    log("replay ...")
    raw["replay"] = step("benchmarks.bench_projections:replay", store=str(store),
                         path=str(projections), out=str(WORK / "projections-replay"))
    raw["cli_counts"] = step("benchmarks.bench_projections:cli_counts", store=str(store))
    return raw


def report(raw: dict[str, Any]) -> None:
    events = raw["events"]
    rebuild_s = raw["rebuild"]["seconds"]
    queries = raw["queries"]
    rows = [
        ["full rebuild (extract every event)", fmt_seconds(rebuild_s),
         fmt_rate(rate(events, rebuild_s)), "≥ 500,000 ev/s", raw["rebuild"]["peak_rss_mib"]],
        ["full replay to Parquet (rebuild + 5 tables)",
         fmt_seconds(rebuild_s + raw["replay"]["seconds"]),
         fmt_rate(rate(events, rebuild_s + raw["replay"]["seconds"])), "≥ 500,000 ev/s",
         max(raw["rebuild"]["peak_rss_mib"], raw["replay"]["peak_rss_mib"])],
        [f"catch-up after {TAIL:,} new events", fmt_seconds(raw["catch_up"]["seconds"]), "",
         "≤ 2 s", raw["catch_up"]["peak_rss_mib"]],
        ["counts, random date (worst)", fmt_seconds(max(queries["counts_s"])),
         f"median {fmt_seconds(sorted(queries['counts_s'])[len(queries['counts_s']) // 2])}",
         "≤ 1 s", queries["peak_rss_mib"]],
        ["counts by all five columns (worst)", fmt_seconds(max(queries["counts_by_all_s"])), "",
         "≤ 1 s", queries["peak_rss_mib"]],
        ["reach, random date (worst)", fmt_seconds(max(queries["reach_s"])), "", "≤ 1 s",
         queries["peak_rss_mib"]],
        [f"monthly as of {AS_OF} ({queries['monthly_rows']} rows)",
         fmt_seconds(queries["monthly_s"]), "", "≤ 3 s", queries["peak_rss_mib"]],
        ["`ledger counts` whole command", fmt_seconds(raw["cli_counts"]["seconds"]), "", "",
         raw["cli_counts"]["peak_rss_mib"]],
    ]
    print_table(["figure", "time", "rate", "target", "peak RSS MiB"], rows,
                f"Projections on {events:,} synthetic events (+{TAIL:,} for the catch-up)")
    print_table(["phase of the full replay", "wall", "CPU"], _phases(raw),
                "Where the full replay's time goes (CPU of both cores together)")


def _phases(raw: dict[str, Any]) -> list[list[str]]:
    """The full replay's phases in order: extraction, settling, then each table to Parquet."""
    phases = [(f"rebuild: {name}", phase) for name, phase in raw["rebuild"]["phases"].items()]
    phases += [(f"table: {name}", phase) for name, phase in raw["replay"]["tables"].items()]
    return [[name, fmt_seconds(phase["seconds"]), fmt_seconds(phase["cpu_s"])]
            for name, phase in phases]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--dates", type=int, default=5, help="random dates for counts/reach")
    args = parser.parse_args(argv)
    raw = run(args.events, args.dates)
    report(raw)
    saved = save_results(f"projections-{args.events}", raw)
    log(f"raw results: {saved}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
