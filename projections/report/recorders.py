"""Who recorded the ledger's events, as the store proved it (`recorded_by`, SPEC §12): one row
per login (or OS user), with how many events it recorded and how many of them a restore
(`import --historical`) appended. Read from the store's own rows — the projections do not keep
who recorded what — and only by a login that may read the events (not an analyst's view)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from ledger.codec.fields import PATHS
from ledger.storage.session import LedgerStore


@dataclass(frozen=True, slots=True)
class Recorder:
    """The events one identity recorded (None: not known — recorded before the ledger kept it,
    or restored from a line without it)."""

    recorded_by: str | None
    events: int
    restored: int
    first: dt.datetime
    last: dt.datetime


def recorders(store: LedgerStore, known_at: dt.datetime | None = None) -> tuple[Recorder, ...] | None:
    """Every identity's events recorded by `known_at` (all, if None), most events first; None
    when this login reads only the analysts' view, which leaves out who recorded what."""
    relation = getattr(store, "events_relation", None)
    if relation is not None and relation() != getattr(store, "events_table_name", None):
        return None
    (stamp_key, data_key), (by_key,), (restorer_key,) = (
        PATHS["recorded_at"], PATHS["recorded_by"], PATHS["appended_by"])
    counts: dict[str | None, _Tally] = {}
    for state in _states(store):
        stamp = dt.datetime.fromisoformat(state[stamp_key][data_key])
        if known_at is not None and stamp > known_at:
            break  # recorded times never decrease with position
        by = state.get(by_key)
        tally = counts.get(by)
        if tally is None:
            tally = counts[by] = _Tally(stamp)
        tally.events += 1
        tally.restored += state.get(restorer_key) is not None
        tally.last = stamp
    made = [Recorder(by, t.events, t.restored, t.first, t.last) for by, t in counts.items()]
    return tuple(sorted(made, key=lambda r: (-r.events, r.recorded_by or "")))


class _Tally:
    def __init__(self, first: dt.datetime):
        self.events = 0
        self.restored = 0
        self.first = self.last = first


def _states(store: LedgerStore) -> Iterator[dict[str, Any]]:
    for rows in store.iter_rows():
        for row in rows:
            yield orjson.loads(row[4])
