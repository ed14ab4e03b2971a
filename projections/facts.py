"""The DuckDB file of the projections: the facts table and the position extraction has reached."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ledger.codec import fields
from ledger.domain.errors import LedgerError
from ledger.geography import load_geography
from ledger.storage.errors import StoredEventError
from projections.sqlfiles import sql

SCHEMA_VERSION = 8
LOCK_WAIT_S = 120.0  # another process updating the same projections holds the file this long at most
MEMORY_LIMIT = "1536MB"  # DuckDB spills to disk beyond this: the whole process stays under 2 GB


class ProjectionsBusy(LedgerError):
    """Another process keeps the projections file locked."""


class ProjectionsReadOnly(LedgerError):
    """The projections file cannot be written (read-only media, no permission)."""


class OutOfDate(Exception):
    """A projections file opened read-only is not in the current layout."""


class FactStore:
    """The facts extracted so far, their position, and a connection ready for the table queries."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, *, read_only: bool = False):
        self.connection = connection
        self.read_only = read_only
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute("SET memory_limit = $limit", {"limit": MEMORY_LIMIT})
        if read_only:
            if not self._current_layout():
                connection.close()
                raise OutOfDate
        else:
            self._ensure_schema()
        _prepare_queries(connection)

    @classmethod
    def open(
        cls, path: Path | str, *, read_only: bool = False,
        on_wait: Callable[[str], None] | None = None,
    ) -> FactStore:
        """Open the projections file (creating it if needed, unless `read_only`), waiting at most
        LOCK_WAIT_S while another process has it; `on_wait` is told once if it has to wait.

        Any number of processes may hold the file read-only at once; one that writes it holds
        it alone (DuckDB's rule), which is why readers write only to bring it up to date.
        """
        deadline = time.monotonic() + LOCK_WAIT_S
        told = False
        while True:
            try:
                return cls(duckdb.connect(str(path), read_only=read_only), read_only=read_only)
            except duckdb.IOException as failure:
                text = str(failure).lower()
                if "read-only file system" in text or "permission denied" in text:
                    raise ProjectionsReadOnly(
                        f"the projections file {path} cannot be written here ({failure}); set "
                        "LEDGER_PROJECTIONS to a writable path"
                    ) from None
                if "lock" not in text:
                    raise
                if time.monotonic() > deadline:
                    raise ProjectionsBusy(
                        f"the projections file {path} is in use by another process; try again"
                    ) from None
                if on_wait is not None and not told:
                    on_wait(f"waiting for another process to finish updating the projections "
                            f"file {path} (up to {LOCK_WAIT_S:.0f} s)…")
                    told = True
                time.sleep(0.2)

    @classmethod
    def in_memory(cls) -> FactStore:
        return cls(duckdb.connect(":memory:"))

    def close(self) -> None:
        self.connection.close()

    # -- progress ----------------------------------------------------------------------------

    def position(self) -> int:
        """The last store position whose event is in the facts (0 before the first)."""
        value = _scalar(self.connection, "SELECT position FROM progress")
        return int(value) if value is not None else 0

    def last_event_id(self) -> str | None:
        value = _scalar(self.connection, "SELECT last_event_id FROM progress")
        return str(value) if value is not None else None

    def latest_recorded_at(self) -> dt.datetime | None:
        """When the last extracted event was recorded (the default `known_at`), as settled."""
        value = _scalar(self.connection, "SELECT latest_recorded_at FROM progress")
        return value if isinstance(value, dt.datetime) else None

    def count(self) -> int:
        return int(_scalar(self.connection, "SELECT count(*) FROM facts") or 0)

    # -- changes -----------------------------------------------------------------------------

    def append(self, raw_events: pa.Table, *, store: str) -> None:
        """Add one batch of stored events and move the position past it, in one transaction."""
        if raw_events.num_rows == 0:
            return
        position = int(raw_events.column("position")[-1].as_py())
        connection = self.connection
        connection.register("raw_events", raw_events)
        try:
            connection.execute("BEGIN TRANSACTION")
            try:
                connection.execute(_extract_statement())
                last_event_id = str(fields.value(raw_events.column("state")[-1].as_py(), "event_id"))
                connection.execute(
                    "UPDATE progress SET position = $position, last_event_id = $event_id, "
                    "store = $store",
                    {"position": position, "event_id": last_event_id, "store": store},
                )
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        except (duckdb.InvalidInputException, duckdb.ConstraintException):
            _name_invalid_state(connection, after=self.position())
            raise
        finally:
            connection.unregister("raw_events")

    def clear(self, *, store: str) -> None:
        """Forget every fact: the next update extracts the store again from its first event."""
        connection = self.connection
        connection.execute("BEGIN TRANSACTION")
        connection.execute("DELETE FROM facts")
        connection.execute("DELETE FROM retracted")
        connection.execute("DELETE FROM current_timeline")
        connection.execute(
            "UPDATE progress SET position = 0, last_event_id = NULL, store = $store, "
            "settled = 0, latest_recorded_at = NULL",
            {"store": store},
        )
        connection.execute("COMMIT")
        connection.execute("CHECKPOINT")

    def settle(self) -> None:
        """Bring what is derived from the facts up to the position: which events the new
        retractions retract, and the current timeline of the beneficiaries the new events touch.

        Done once per update rather than per batch (it looks across all facts), in one
        transaction; an interrupted update leaves `settled` behind and is settled next time.
        """
        connection = self.connection
        after = int(_scalar(connection, "SELECT settled FROM progress") or 0)
        position = self.position()
        if position <= after:
            return
        connection.execute("BEGIN TRANSACTION")
        try:
            retractions = _scalar(
                connection,
                "SELECT count(*) FROM facts WHERE event = 'EventRetracted' AND position > $after",
                {"after": after},
            )
            if retractions:
                connection.execute(sql("resolve"), {"after": after})
            timeline = sql("current_timeline")
            if after == 0:
                # Every beneficiary, and no rows yet (a new or cleared file): straight in.
                connection.execute(f"INSERT INTO current_timeline BY NAME {timeline}",
                                   {"after": after})
            else:
                connection.execute(f"CREATE OR REPLACE TEMP TABLE fresh_timeline AS {timeline}",
                                   {"after": after})
                connection.execute(
                    "DELETE FROM current_timeline WHERE originator IN "
                    "(SELECT originator FROM touched_beneficiaries($after))",
                    {"after": after},
                )
                connection.execute(
                    "INSERT INTO current_timeline BY NAME SELECT * FROM fresh_timeline"
                )
                connection.execute("DROP TABLE fresh_timeline")
            connection.execute(
                "UPDATE progress SET settled = $position, "
                "latest_recorded_at = (SELECT max(recorded_at) FROM facts)",
                {"position": position},
            )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def settled(self) -> int:
        """The position up to which the derived tables are settled (see `settle`)."""
        return int(_scalar(self.connection, "SELECT settled FROM progress") or 0)

    def _current_layout(self) -> bool:
        connection = self.connection
        if not _table_exists(connection, "progress"):
            return False
        version = _scalar(connection, "SELECT schema_version FROM progress")
        return version is not None and int(version) == SCHEMA_VERSION

    def _ensure_schema(self) -> None:
        connection = self.connection
        if _table_exists(connection, "progress"):
            if self._current_layout():
                return
            # An older layout: the facts are rebuilt from the store, so drop and start again.
            connection.execute("DROP TABLE IF EXISTS facts")
            connection.execute("DROP TABLE IF EXISTS retracted")
            connection.execute("DROP TABLE IF EXISTS current_timeline")
            connection.execute("DROP TABLE IF EXISTS progress")
            connection.execute("DROP TYPE IF EXISTS event_name")
        connection.execute(sql("schema"))
        connection.execute(
            "INSERT INTO progress VALUES ($version, 0, NULL, '', 0, NULL)",
            {"version": SCHEMA_VERSION},
        )


@cache
def _extract_statement() -> str:
    """sql/extract.sql with the codec's paths: the list read from each state, and each field's
    place in it."""
    names = list(fields.PATHS)
    paths = ", ".join(f"'{fields.json_path(name)}'" for name in names)
    places = {name: f"v[{place}]" for place, name in enumerate(names, start=1)}
    return sql("extract").format(paths=f"[{paths}]", **places)


def _name_invalid_state(connection: duckdb.DuckDBPyConnection, *, after: int) -> None:
    """Raise StoredEventError naming the first state of `raw_events` that is missing or not JSON,
    if there is one."""
    rows = connection.execute(
        "SELECT position, state IS NULL FROM raw_events WHERE json_valid(state) IS NOT TRUE "
        "ORDER BY position LIMIT 1"
    ).fetchall()
    if rows:
        position, missing = rows[0]
        problem = "has no state" if missing else "is not valid JSON"
        raise StoredEventError(
            f"the stored event at position {position} {problem} (tampered with, or written by "
            f"something else); the projections stay at position {after}"
        ) from None


def _scalar(
    connection: duckdb.DuckDBPyConnection, statement: str, parameters: dict[str, Any] | None = None
) -> Any:
    """The first column of the first row (None when there is no row)."""
    rows = connection.execute(statement, parameters or {}).fetchall()
    return rows[0][0] if rows else None


def _table_exists(connection: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        _scalar(
            connection,
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = $name AND NOT temporary",
            {"name": name},
        )
    )


def _prepare_queries(connection: duckdb.DuckDBPyConnection) -> None:
    """The session's helpers: the SQL macros and the geography (district → province)."""
    geography = load_geography()
    districts = pa.table(
        {
            "district": [d.code for d in geography.districts.values()],
            "province": [d.province for d in geography.districts.values()],
            "province_name": [geography.provinces[d.province].name_en
                              for d in geography.districts.values()],
            "district_name": [d.name_en for d in geography.districts.values()],
        }
    )
    connection.register("geography_rows", districts)
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE shipped_geography AS "
        "SELECT CAST(district AS VARCHAR) AS district, CAST(province AS VARCHAR) AS province, "
        "CAST(province_name AS VARCHAR) AS province_name, "
        "CAST(district_name AS VARCHAR) AS district_name "
        "FROM geography_rows"
    )
    connection.unregister("geography_rows")
    # SPEC §15: and the districts the ledger established (as far as the facts go).
    connection.execute(
        "CREATE OR REPLACE TEMP VIEW geography AS SELECT * FROM shipped_geography UNION ALL "
        "SELECT f.district, arg_min(f.province, f.position), "
        "arg_min(p.province_name, f.position), arg_min(f.name, f.position) "
        "FROM facts f LEFT JOIN (SELECT DISTINCT province, province_name FROM shipped_geography) p "
        "ON p.province = f.province "
        "WHERE f.event = 'DistrictEstablished' "
        "AND f.district NOT IN (SELECT district FROM shipped_geography) GROUP BY f.district"
    )
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE district_map (originator UUID, district VARCHAR, "
        "mapped VARCHAR)"
    )  # empty: districts as recorded (projections/geography.py fills it for today's map)
    connection.execute(sql("macros"))
    connection.execute(
        "CREATE TEMP TABLE IF NOT EXISTS population (district VARCHAR, sex VARCHAR, "
        "age_band VARCHAR, year INTEGER, population BIGINT, source VARCHAR)"
    )
