"""The ledger application: records batches of facts and reads back what it stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper

from ledger.codec.decoder import mapper, stored_events
from ledger.domain.timeline import Timeline
from ledger.facts import Origin
from ledger.interchange.reader import read_facts
from ledger.interchange.schema import parse
from ledger.recording.batch import Batch, Line
from ledger.recording.receipt import Receipt
from ledger.storage.session import LedgerStore

Progress = Callable[[int], None]


def utc_now() -> dt.datetime:
    """The machine's clock, in UTC (one place, so tests can stop it)."""
    return dt.datetime.now(dt.UTC)


class Ledger(Application[UUID]):
    """The beneficiary ledger: every fact an immutable event, checked against the whole timeline."""

    name = "Ledger"

    def construct_mapper(self) -> Mapper[UUID]:
        return mapper()  # the codec's: what the encoder writes is what it reads

    @property
    def store(self) -> LedgerStore:
        return cast(LedgerStore, self.recorder)

    # -- recording -----------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The ledger's clock: what stamps events recorded without `--historical`.

        The time keeps the offset of the machine's zone, so the day it was recorded on (rule 9)
        is read off the stored time alike live and when an export is restored elsewhere.
        """
        return utc_now().astimezone()

    def record(
        self,
        lines: Iterable[Line],
        *,
        operator: str | None,
        historical: bool = False,
        progress: Progress | None = None,
    ) -> Receipt:
        """Check the lines as a whole against the ledger (SPEC §3); record all of them, or none."""
        with self.store.writing() as session:
            batch = Batch(
                session,
                operator=operator,
                historical=historical,
                now=self.now(),
                progress=progress,
            )
            return batch.run(lines)

    def record_dicts(
        self,
        objs: Iterable[Mapping[str, Any]],
        *,
        operator: str | None,
        historical: bool = False,
        source: str = "<input>",
    ) -> Receipt:
        """Record event-log v1 objects given in memory (as if they were the lines of a file)."""
        lines = (parse(dict(obj), Origin(source, n)) for n, obj in enumerate(objs, start=1))
        return self.record(lines, operator=operator, historical=historical)

    def import_file(
        self,
        path: Path,
        *,
        operator: str | None,
        historical: bool = False,
        progress: Progress | None = None,
    ) -> Receipt:
        """Record one event-log file atomically (`import FILE`)."""
        return self.record(read_facts(path), operator=operator, historical=historical,
                           progress=progress)

    # -- reading -------------------------------------------------------------------------------

    def stored_events(self, after: int = 0) -> Iterator[tuple[int, Timeline.Event]]:
        """Every stored event with its position, in position order."""
        return stored_events(self.store, after)
