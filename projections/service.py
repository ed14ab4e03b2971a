"""A store's projections: its facts file, brought up to date with the store before each answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import duckdb

from ledger.bootstrap import open_store
from ledger.codec import fields
from ledger.storage.reader import Reader
from ledger.storage.session import LedgerStore
from projections import population
from projections.extract import Progress, catch_up
from projections.facts import FactStore, OutOfDate
from projections.location import projections_file
from projections.when import PointInTime

Waiting = Callable[[str], None]


class Projections:
    """The facts of one store, and the point in time questions default to.

    Opened to answer questions, the file is held read-only, so any number of analysts read it at
    once; it is opened for writing only while it is brought up to date with the store.
    """

    def __init__(self, facts: FactStore, source: Reader, store: str, *,
                 path: Path | str | None = None, on_wait: Waiting | None = None):
        self.facts = facts
        self.source = source
        self.store = store
        self._path = path
        self._on_wait = on_wait
        self._figures: LedgerStore | None = None  # where the population figures are read from

    @classmethod
    @contextmanager
    def open(
        cls,
        store_url: str,
        *,
        path: Path | None = None,
        update: bool = True,
        progress: Progress | None = None,
        on_wait: Waiting | None = None,
    ) -> Iterator[Projections]:
        """The projections of the ledger at `store_url` (by default up to date with it)."""
        store = open_store(store_url)
        try:
            with cls.of_store(store, path=path or projections_file(store_url),
                              update=update, progress=progress, on_wait=on_wait) as projections:
                yield projections
        finally:
            store.close()

    @classmethod
    @contextmanager
    def of_store(
        cls,
        store: LedgerStore,
        *,
        path: Path | str,
        update: bool = True,
        progress: Progress | None = None,
        on_wait: Waiting | None = None,
    ) -> Iterator[Projections]:
        """The projections of an open store, kept in the DuckDB file at `path`.

        With `update` they are brought up to date and then held read-only; without it the file
        is held for writing, for callers that update or rebuild it themselves.
        """
        source = store.reader()
        try:
            facts = _open_for_reading(path, on_wait) if update else FactStore.open(path,
                                                                                    on_wait=on_wait)
            projections = cls(facts, source, _shown(store.url), path=path, on_wait=on_wait)
            try:
                if update:
                    if not projections.up_to_date():
                        projections.update(progress)
                    projections._hold(read_only=True)
                projections._figures = store
                population.load(projections.connection, store)
                yield projections
            finally:
                projections.facts.close()
        finally:
            source.close()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        return self.facts.connection

    def update(self, progress: Progress | None = None) -> int:
        """Extract the events stored since the last update; return how many there were.

        If the file holds another store's facts (or a store that was replaced), start again.
        """
        self._hold(read_only=False)
        if not self._same_store():
            self.facts.clear(store=self.store)
        return catch_up(self.source, self.facts, store=self.store, progress=progress)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Forget every fact and extract the whole store again."""
        self._hold(read_only=False)
        self.facts.clear(store=self.store)
        return catch_up(self.source, self.facts, store=self.store, progress=progress)

    def up_to_date(self) -> bool:
        """Whether the facts hold every stored event, settled, of this very store."""
        position = self.facts.position()
        return (position == self.source.max_position() and self.facts.settled() == position
                and self._same_store())

    def _hold(self, *, read_only: bool) -> None:
        """Hold the file read-only (shared with other readers) or for writing (alone)."""
        if self.facts.read_only == read_only or self._path is None:
            return
        self.facts.close()
        self.facts = FactStore.open(self._path, read_only=read_only, on_wait=self._on_wait)
        if self._figures is not None:  # the figures live on the connection: load them again
            population.load(self.facts.connection, self._figures)

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
        head = self.source.arrow(position - 1, 1)
        if head.num_rows == 0 or head.column("position")[0].as_py() != position:
            return False
        event_id = fields.value(head.column("state")[0].as_py(), "event_id")
        return bool(event_id == self.facts.last_event_id())


def _open_for_reading(path: Path | str, on_wait: Waiting | None) -> FactStore:
    """The file read-only when it exists in the current layout; otherwise for writing (made)."""
    if Path(path).is_file():
        try:
            return FactStore.open(path, read_only=True, on_wait=on_wait)
        except OutOfDate:
            pass
    return FactStore.open(path, on_wait=on_wait)


def _shown(url: str) -> str:
    """A store URL without its password, as the projections record it."""
    parts = urlparse(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
