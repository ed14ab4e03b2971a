"""A store's projections: its facts file, brought up to date with the store before each answer."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import duckdb

from ledger.bootstrap import open_ledger
from ledger.storage.session import LedgerStore
from projections import population
from projections.extract import Progress, catch_up
from projections.facts import FactStore
from projections.location import projections_file
from projections.source import EventSource, source_for
from projections.when import PointInTime


class Projections:
    """The facts of one store, and the point in time questions default to."""

    def __init__(self, facts: FactStore, source: EventSource, store: str):
        self.facts = facts
        self.source = source
        self.store = store

    @classmethod
    @contextmanager
    def open(
        cls,
        store_url: str,
        *,
        path: Path | None = None,
        update: bool = True,
        progress: Progress | None = None,
    ) -> Iterator[Projections]:
        """The projections of the ledger at `store_url` (by default up to date with it)."""
        ledger = open_ledger(store_url)
        try:
            with cls.of_store(ledger.store, path=path or projections_file(store_url),
                              update=update, progress=progress) as projections:
                yield projections
        finally:
            ledger.close()

    @classmethod
    @contextmanager
    def of_store(
        cls,
        store: LedgerStore,
        *,
        path: Path | str,
        update: bool = True,
        progress: Progress | None = None,
    ) -> Iterator[Projections]:
        """The projections of an open store, kept in the DuckDB file at `path`."""
        source = source_for(store)
        facts = FactStore.open(path)
        try:
            projections = cls(facts, source, _shown(store.url))
            population.load(facts.connection, store)
            if update:
                projections.update(progress)
            yield projections
        finally:
            facts.close()
            source.close()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        return self.facts.connection

    def update(self, progress: Progress | None = None) -> int:
        """Extract the events stored since the last update; return how many there were.

        If the file holds another store's facts (or a store that was replaced), start again.
        """
        if not self._same_store():
            self.facts.clear(store=self.store)
        return catch_up(self.source, self.facts, store=self.store, progress=progress)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Forget every fact and extract the whole store again."""
        self.facts.clear(store=self.store)
        return catch_up(self.source, self.facts, store=self.store, progress=progress)

    def point_in_time(
        self, as_of: dt.date, known_at: dt.datetime | None = None
    ) -> PointInTime:
        """As of `as_of`, as known at `known_at` — by default, when the last event was recorded."""
        if known_at is None:
            known_at = self.facts.latest_recorded_at() or dt.datetime.now(dt.UTC)
        return PointInTime(as_of, known_at)

    def _same_store(self) -> bool:
        position = self.facts.position()
        if position == 0:
            return True
        head = self.source.read(position - 1, 1)
        if head.num_rows == 0 or head.column("position")[0].as_py() != position:
            return False
        event_id = json.loads(head.column("state")[0].as_py()).get("event_id")
        return bool(event_id == self.facts.last_event_id())


def _shown(url: str) -> str:
    """A store URL without its password, as the projections record it."""
    parts = urlparse(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
