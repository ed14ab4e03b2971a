"""The demo: the calibrated 2021–2025 history recorded into a ledger, and its headline figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.application import Ledger
from ledger.facts import Origin
from ledger.interchange.schema import parse
from ledger.population import Loaded, import_population
from ledger.recording.batch import Line
from ledger.recording.receipt import Receipt
from projections.coverage import coverage
from projections.queries import reach, table
from projections.service import Projections
from projections.when import PointInTime
from replay_data.calibration import (
    AS_OF,
    MCW,
    MCW_FIRST_PAYMENT,
    MCW_FIRST_PAYMENT_DISTRICT,
    TARGET_AGE_BANDS,
)
from replay_data.generator import generate

DEMO_OPERATOR = "demo"


@dataclass(frozen=True)
class Headlines:
    """What the demo prints: each programme's summary, and the pilot's first payment round."""

    as_of: dt.date
    programmes: list[dict[str, Any]]
    first_payment_date: dt.date
    first_payment_district: str
    first_payment_beneficiaries: int


def record_history(
    ledger: Ledger,
    *,
    scale: float = 1.0,
    seed: int = 2021,
    progress: Callable[[int], None] | None = None,
) -> Receipt:
    """Record the generated history with its own recorded times (idempotent: ids are fixed)."""
    return ledger.record(
        _lines(scale, seed), operator=DEMO_OPERATOR, historical=True, progress=progress
    )


def first_event_id(scale: float = 1.0, seed: int = 2021) -> str:
    """The id of the history's first event: a store that starts with it holds the demo."""
    return str(next(iter(generate(scale, seed)))["id"])


def load_population(ledger: Ledger) -> Loaded:
    """Load the shipped population figures (a re-run replaces them with the same)."""
    return import_population(ledger.store, Path(__file__).parent / "population.csv")


def _lines(scale: float, seed: int) -> Iterator[Line]:
    for number, obj in enumerate(generate(scale, seed), start=1):
        yield parse(obj, Origin("demo", number))


def headlines(projections: Projections) -> Headlines:
    """The figures SPEC §11 calibrates to, as of 2025-12-31 and as known now."""
    now = dt.datetime.now(dt.UTC)
    programmes = reach(projections, PointInTime(AS_OF, now))
    for row in programmes:
        bands = TARGET_AGE_BANDS.get(row["programme"], ())
        share = coverage(projections, PointInTime(AS_OF, now), programme=row["programme"],
                         age_bands=bands)
        value = share[0]["coverage"] if share and bands else None
        row["coverage"] = (
            f"{value:.1%} of ages {', '.join(bands)}" if value is not None else "no figure"
        )
    first_round = table(projections, "payments", PointInTime(MCW_FIRST_PAYMENT, now), MCW)
    paid = sum(
        int(row["beneficiaries_paid"])
        for row in first_round.to_pylist()
        if row["district"] == MCW_FIRST_PAYMENT_DISTRICT
    )
    return Headlines(AS_OF, programmes, MCW_FIRST_PAYMENT, MCW_FIRST_PAYMENT_DISTRICT, paid)
