"""The SQL projections agree with an independent reference model on random histories, and an
incremental update agrees with a full rebuild."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from random_history import DISTRICTS, EARLIEST, START, record_random_history
from reference_model import Reference, events_of

from ledger.bootstrap import open_ledger
from ledger.storage import population as population_table
from projections import TABLES, PointInTime, Projections, table

STEPS = 30
# Memory-backed when the machine has it: a history commits once per operation.
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None


def _rows(projections: Projections, name: str, when: PointInTime) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = table(projections, name, when).to_pylist()
    return rows


def _facts(projections: Projections) -> list[list[tuple[Any, ...]]]:
    """Everything an update writes: the facts and what is derived from them."""
    return [
        projections.connection.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()
        for name in ("facts", "retracted", "current_timeline", "progress")
    ]


def _population() -> st.SearchStrategy[list[tuple[str, str, str, int, int, str]]]:
    """Figures for some cells of the history's districts: several years and two sources, so the
    latest year on or before D (and the tie between sources) is exercised; zero too."""
    cell = st.tuples(
        st.sampled_from(DISTRICTS), st.sampled_from(("F", "M")),
        st.sampled_from(("0-1", "2-5", "6-11", "18-59")), st.integers(2019, 2024),
        st.integers(0, 50), st.sampled_from(("census", "survey")),
    )
    return st.lists(cell, max_size=12, unique_by=lambda r: (r[5], r[3], r[0], r[1], r[2]))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_sql_matches_the_reference_model_and_incremental_matches_rebuild(
    data: st.DataObject,
) -> None:
    with tempfile.TemporaryDirectory(dir=SCRATCH) as folder:
        root = Path(folder)
        ledger = open_ledger(str(root / "ledger.db"), create=True)
        try:
            population = data.draw(_population(), label="population")
            if population:
                population_table.replace(ledger.store, population)
            with Projections.of_store(ledger.store, path=root / "incremental.duckdb") as live:
                history = record_random_history(ledger, data, STEPS, after_step=live.update)
                live.update()
                with Projections.of_store(ledger.store, path=root / "full.duckdb") as full:
                    assert _facts(live) == _facts(full)
                    events = events_of(ledger)
                    last_recorded = history.clock
                    moments: list[dt.datetime | None] = [None]
                    moments.append(
                        data.draw(st.sampled_from([e.recorded_at for e in events]), label="T=r")
                    )
                    moments.append(
                        START + dt.timedelta(
                            seconds=data.draw(
                                st.integers(-86400, int((last_recorded - START).total_seconds())),
                                label="T",
                            )
                        )
                    )
                    for known_at in moments:
                        as_of = data.draw(
                            st.dates(EARLIEST - dt.timedelta(days=40),
                                     last_recorded.date() + dt.timedelta(days=40)),
                            label="D",
                        )
                        when = live.point_in_time(as_of, known_at)
                        reference = Reference(events, as_of, when.known_at, population)
                        for name in TABLES:
                            expected = reference.table(name)
                            assert _rows(live, name, when) == expected, (name, as_of, known_at)
                            assert _rows(full, name, when) == expected, (name, as_of, known_at)
                            if "programme" in TABLES[name].columns:
                                only = [r for r in expected if r["programme"] == "meals"]
                                assert table(live, name, when, "meals").to_pylist() == only, name
        finally:
            ledger.close()
