"""`verify` covers the side tables the write path trusts: `ledger_keys` and `ledger_placements`.

They are not chained: they index the events. `ledger_keys` holds one `id:<event id>` row per
stored event and one `payment:<programme>:<payment id>` row per payment, which is what makes a
re-import record nothing twice; `ledger_placements` holds the districts each enrolment was ever
placed in. Deleting rows by hand would let a re-import record the same events (and payment ids)
again, so `verify` recomputes both tables from the stored events, set-wise in the store's own
SQL, in one read transaction: every expected row must be there, and no other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ledger.codec.fields import PATHS, json_path
from ledger.storage.session import LedgerStore

SHOWN = 5  # missing rows named in full

_SQLITE = {
    "state": "CAST(e.state AS TEXT)",
    "field": "json_extract({state}, '{path}')",
    "position": "e.rowid",
}
_POSTGRES = {
    "state": "convert_from(e.state, 'UTF8')::json",
    "field": "json_extract_path_text({state}, {keys})",
    "position": "e.notification_id",
}

_PLACED = "(e.topic LIKE '%.BeneficiaryEnrolled' OR e.topic LIKE '%.BeneficiaryTransferred')"
_MISSING = {
    "keys": """
SELECT 'id:' || {event_id}, {position} FROM {events} AS e
WHERE NOT EXISTS (SELECT 1 FROM {keys} AS k
                  WHERE k.key = 'id:' || {event_id} AND k.originator_id = e.originator_id)
UNION ALL
SELECT 'payment:' || {programme} || ':' || {payment}, {position} FROM {events} AS e
WHERE e.topic LIKE '%.PaymentRecorded' AND NOT EXISTS (
    SELECT 1 FROM {keys} AS k WHERE k.key = 'payment:' || {programme} || ':' || {payment}
    AND k.originator_id = e.originator_id)
""",
    "placements": """
SELECT {programme} || ' ' || {district} || ' ' || e.originator_id, {position} FROM {events} AS e
WHERE """ + _PLACED + """ AND NOT EXISTS (
    SELECT 1 FROM {placements} AS p WHERE p.programme = {programme} AND p.district = {district}
    AND p.originator_id = e.originator_id)
""",
}
# Rows no stored event gives: for keys by count (each event gives distinct keys), for placements
# by looking for the event (an enrolment gives the same placement again when it moves back).
_EXTRA = {
    "keys": """
SELECT (SELECT count(*) FROM {keys})
     - (SELECT count(*) FROM {events})
     - (SELECT count(*) FROM {events} AS e WHERE e.topic LIKE '%.PaymentRecorded')
""",
    "placements": """
SELECT count(*) FROM {placements} AS p WHERE NOT EXISTS (
    SELECT 1 FROM {events} AS e WHERE e.originator_id = p.originator_id AND """ + _PLACED + """
    AND {programme} = p.programme AND {district} = p.district)
""",
}


@dataclass(frozen=True, slots=True)
class SideTable:
    """What one side table lacks and holds beyond what the stored events give."""

    table: str
    missing: int
    extra: int
    first_missing: tuple[tuple[str, int], ...]  # (row, position of the event that implies it)

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.extra == 0

    def problem(self) -> str:
        parts = []
        if self.missing:
            named = ", ".join(f"{row} (event at position {position})"
                              for row, position in self.first_missing)
            more = f" and {self.missing - len(self.first_missing):,} more" if (
                self.missing > len(self.first_missing)) else ""
            parts.append(f"{self.missing:,} row{'s' if self.missing != 1 else ''} missing: "
                         f"{named}{more}")
        if self.extra:
            parts.append(f"{self.extra:,} row{'s' if self.extra != 1 else ''} no stored event gives")
        return f"{self.table}: " + "; ".join(parts)


def check_side_tables(store: LedgerStore) -> tuple[SideTable, ...]:
    """Recompute `ledger_keys` and `ledger_placements` from the events and compare, in one
    snapshot of the store (so appends by others meanwhile do not count as damage)."""
    dialect = {**(_POSTGRES if store.kind == "postgres" else _SQLITE), **_table_names(store)}
    with store.reading() as session:

        def run(statement: str) -> list[tuple[Any, ...]]:
            if store.kind == "postgres":
                cursor = session.cursor  # type: ignore[attr-defined]
                cursor.execute(statement)
                return list(cursor.fetchall())
            return list(session.db.execute(statement))  # type: ignore[attr-defined]

        return _compare(run, dialect, "keys"), _compare(run, dialect, "placements")


def _compare(run: Callable[[str], list[tuple[Any, ...]]], dialect: dict[str, str],
             table: str) -> SideTable:
    absent = sorted(set(run(_shape(_MISSING[table], dialect))), key=lambda found: found[1])
    beyond = int(run(_shape(_EXTRA[table], dialect))[0][0])
    if table == "keys":
        beyond += len(absent)  # the count above is of stored rows less expected ones
    return SideTable(f"ledger_{table}", len(absent), max(beyond, 0),
                     tuple((str(row), int(position)) for row, position in absent[:SHOWN]))


def _shape(statement: str, dialect: dict[str, str], **given: str) -> str:
    fields = {f: dialect["field"].format(state=dialect["state"], path=json_path(f),
                                         keys=", ".join(f"'{key}'" for key in PATHS[f]))
              for f in ("event_id", "programme", "payment", "district")}
    return statement.format(**{**dialect, **fields, **given})


def _table_names(store: LedgerStore) -> dict[str, str]:
    """The three tables' names as SQL text (quoted, and in the schema on PostgreSQL)."""
    if store.kind == "postgres":
        names = store.names  # type: ignore[attr-defined]
        return {"events": names.events.as_string(), "keys": names.keys.as_string(),
                "placements": names.placements.as_string()}
    return {"events": _quoted(store.events_table_name),  # type: ignore[attr-defined]
            "keys": "ledger_keys", "placements": "ledger_placements"}


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
