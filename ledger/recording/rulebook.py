"""Checking a file as a whole: SPEC §3's rules (ledger/rules/) over the timeline it touches.

The file's lines and the stored events of every timeline they touch go into an in-memory DuckDB
database; each rule's query finds its violations over all of them at once, and `blame.sql` turns
them into refusals of the file's lines. Nothing here decides from the projections file: the
stored events come from the store, in the batch's own transaction.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from ledger.codec.fields import json_path
from ledger.domain.errors import RuleViolation
from ledger.geography import load_geography
from ledger.recording.columns import SCHEMA
from ledger.rules import RULES, sql

STORED = pa.schema([("seq", pa.int64()), ("originator", pa.string()), ("topic", pa.string()),
                    ("state", pa.string())])
TAKEN = pa.schema([("programme", pa.string()), ("payment", pa.string()),
                   ("event_id", pa.string())])
REPEATS = pa.schema([("seq", pa.int64()), ("line", pa.int32()), ("programme", pa.string()),
                     ("currency", pa.string())])


_STORED_FIELDS = ("event_id", "effective_date", "programme", "beneficiary", "district", "benefit",
                  "currency", "payment", "retracts", "province", "successors", "carved_from")
_ASSEMBLE = sql("assemble").replace(
    "{paths}", "[" + ", ".join(f"'{json_path(f)}'" for f in _STORED_FIELDS) + "]"
)
"""assemble.sql, with the stored fields' paths the codec gives (v[1] … v[12], in this order)."""

_VIOLATIONS = (
    "CREATE OR REPLACE TEMP TABLE violations AS SELECT row_number() OVER () AS vid, * FROM ("
    + "\nUNION ALL\n".join(f"SELECT * FROM ({sql(name)})" for name in RULES) + ")"
)
"""Every rule's violations, found in one query."""


@dataclass(frozen=True, slots=True)
class Violation:
    """A line of the file that breaks a rule, with the reason to report."""

    line: int
    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class Named:
    """What a file's lines name that the store may hold (touched.py gathers it)."""

    timelines: set[str]
    programmes: set[str]
    withdrawn: list[tuple[str, str]]  # (programme, district)
    retracts: set[str]
    own: dict[str, tuple[str, str | None]]  # a line's id -> its programme, district (programme events)
    districts: set[str]  # every district a line names
    geography: pa.Table  # the lines of geography events and retractions (event, district, …)


class Rulebook:
    """One file's timeline in DuckDB, checked rule by rule."""

    def __init__(self) -> None:
        self.db = _connection()
        self.db.register("empty_lines", SCHEMA.empty_table())
        self.db.execute("CREATE OR REPLACE TEMP TABLE file_lines AS SELECT * FROM empty_lines")
        self.db.unregister("empty_lines")
        self.count = 0

    def take(self, lines: pa.RecordBatch) -> None:
        """A window of the file's lines (columns.py), kept by the database (which spills)."""
        self.db.register("window_lines", lines)
        self.db.execute("INSERT INTO file_lines SELECT * FROM window_lines")
        self.db.unregister("window_lines")
        self.count += lines.num_rows

    def named(self) -> Named:
        def values(column: str) -> set[str]:
            rows = self.db.execute(f"SELECT DISTINCT {column} FROM file_lines "
                                   f"WHERE {column} IS NOT NULL").fetchall()
            return {row[0] for row in rows}

        retracts = values("retracts")
        own = {event_id: (programme, district) for event_id, programme, district in self.db.execute(
            "SELECT f.event_id, f.programme, f.district FROM file_lines f "
            "JOIN (SELECT DISTINCT retracts FROM file_lines) r ON r.retracts = f.event_id "
            "WHERE f.event IN ('ProgrammeRegistered', 'DistrictExpanded')").fetchall()}
        withdrawn = self.db.execute(
            "SELECT DISTINCT programme, district FROM file_lines WHERE event = 'DistrictWithdrawn'"
        ).fetchall()
        geography = self.db.sql(
            "SELECT event, district, retracts, event_id, successors, carved_from FROM file_lines "
            "WHERE event IN ('DistrictEstablished', 'DistrictRenamed', 'DistrictRetired', "
            "'EventRetracted')").to_arrow_table()
        return Named(values("timeline"), values("programme"), withdrawn, retracts, own,
                     values("district"), geography)

    def check(self, stored_rows: pa.Table, taken: pa.Table, repeats: pa.Table) -> None:
        """Assemble the timeline of the file and what the rules read of it."""
        # For a few lines the optimiser costs more than it saves (a third of a command's time);
        # its plans matter only for a large timeline.
        small = self.count + stored_rows.num_rows <= SMALL
        self.db.execute("PRAGMA disable_optimizer" if small else "PRAGMA enable_optimizer")
        for name, table in (("stored_rows", stored_rows), ("taken_payments", taken),
                            ("repeats", repeats)):
            self.db.register(name, table)
        self.db.execute(_ASSEMBLE)
        self.db.unregister("stored_rows")  # copied into the database: let it go
        self.db.execute(sql("timeline"))
        self.db.execute(sql("districts"))

    def violations(self) -> Iterator[Violation]:
        """Every refused line of the file (in line order), each once."""
        self.db.execute(_VIOLATIONS)
        for line, rule, field, message, contradicts in self.db.execute(sql("blame")).fetchall():
            yield Violation(line, field, str(RuleViolation(rule, message, field=field,
                                                           contradicts=contradicts)))

    def placed(self) -> Iterator[tuple[int, str, str | None, str | None, str | None]]:
        """Each line's event, timeline kind, district and the beneficiary's district before
        it (the last recorded on its timeline): what an operator's scope is checked on."""
        yield from self.db.execute(
            "SELECT l.line, l.event, l.kind, l.district, (SELECT t.district FROM timeline t "
            "WHERE t.timeline = l.timeline AND t.seq < l.seq AND t.event IN "
            "('BeneficiaryEnrolled', 'BeneficiaryTransferred') ORDER BY t.seq DESC LIMIT 1) "
            "FROM timeline l WHERE l.line IS NOT NULL ORDER BY l.line"
        ).fetchall()

    def recorded(self) -> Iterator[dict[str, Any]]:
        """The file's lines as they will be stored, in file order: each with its timeline,
        kind and version there, and its currency (a payment's default: the programme's)."""
        cursor = self.db.execute(
            "SELECT l.*, coalesce(v.version, 0) + row_number() OVER "
            "(PARTITION BY l.timeline ORDER BY l.seq) AS version "
            "FROM lines l LEFT JOIN versions v ON v.timeline = l.timeline ORDER BY l.seq"
        )
        names = [d[0] for d in cursor.description]
        while batch := cursor.fetchmany(50_000):
            for row in batch:
                yield dict(zip(names, row, strict=True))

    def close(self) -> None:
        """Forget the file (its tables), keeping the connection for the next one."""
        for (name,) in self.db.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary"
        ).fetchall():
            self.db.execute(f'DROP TABLE "{name}"')
        for name in ("taken_payments", "repeats"):
            self.db.unregister(name)


SMALL = 2000  # rows of a timeline checked without the query optimiser
MEMORY_LIMIT = "1GB"  # the rulebook's share of the 2 GB an import may use (SPEC §9)
_local = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB database (made once: a connection costs ~13 ms, more than
    checking a one-line file)."""
    found: duckdb.DuckDBPyConnection | None = getattr(_local, "db", None)
    if found is None:
        # Bounded: a national file's timeline spills to a temporary directory beyond 1 GB.
        spill = tempfile.mkdtemp(prefix="ledger-rulebook-")
        atexit.register(shutil.rmtree, spill, ignore_errors=True)
        found = _local.db = duckdb.connect(config={
            "threads": 2, "memory_limit": MEMORY_LIMIT, "temp_directory": spill,
            "preserve_insertion_order": False,
        })
        _shipped_geography(found)
    return found


def _shipped_geography(db: duckdb.DuckDBPyConnection) -> None:
    """The reference geography as shipped, kept for the connection's life (SPEC §15: the state
    before any geography event)."""
    rows = load_geography().districts.values()
    db.register("shipped_rows", pa.table({"district": [d.code for d in rows],
                                          "province": [d.province for d in rows]}))
    db.execute("CREATE TABLE shipped_districts AS SELECT * FROM shipped_rows")
    db.unregister("shipped_rows")
