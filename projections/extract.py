"""Catching the facts up with the store: large batches, read ahead while the last one is stored."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import pyarrow as pa

from ledger.storage.reader import Reader
from projections.facts import FactStore

BATCH = 200_000

Progress = Callable[[int, int], None]
"""Called after each batch with (events extracted so far, events there were to extract)."""


def catch_up(
    source: Reader,
    facts: FactStore,
    *,
    store: str,
    batch_size: int = BATCH,
    progress: Progress | None = None,
) -> int:
    """Extract every stored event after the facts' position; return how many were added.

    Each batch is committed together with its last position, so an interrupted run resumes
    where it stopped and a repeated one adds nothing.
    """
    start = facts.position()
    top = source.max_position()
    if top <= start:
        facts.settle()
        return 0
    total = top - start
    done = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract") as reader:
        pending: Future[pa.Table] | None = reader.submit(source.arrow, start, batch_size)
        while pending is not None:
            batch = pending.result()
            if batch.num_rows == 0:
                break
            last = int(batch.column("position")[-1].as_py())
            # Read the next batch while DuckDB parses and stores this one.
            pending = reader.submit(source.arrow, last, batch_size) if last < top else None
            facts.append(batch, store=store)
            done += batch.num_rows
            if progress is not None:
                progress(done, max(total, done))
    facts.settle()
    return done
