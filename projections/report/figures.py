"""The report's figures, gathered from the projections' own tables — aggregates only."""

from __future__ import annotations

import datetime as dt
import decimal
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ledger.audit.verify import Verification
from ledger.geography import load_geography
from projections.changes import data_quality
from projections.queries import reach, table
from projections.report.coverage import ProgrammeCoverage, gather_coverage
from projections.report.recorders import Recorder
from projections.service import Projections
from projections.when import PointInTime

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What to report on: a point in time, one programme or all, and the result of `verify`."""

    when: PointInTime
    programme: str | None = None
    verification: Verification | None = None
    recorders: tuple[Recorder, ...] | None = None  # who recorded the events (None: not shown)


@dataclass(frozen=True, slots=True)
class Month:
    month_end: dt.date
    active: int
    entries: int
    exits: int


@dataclass(frozen=True, slots=True)
class ProvinceReach:
    province: str
    name: str
    districts_covered: int
    districts_reached: int
    beneficiaries: int


@dataclass(frozen=True, slots=True)
class Period:
    period: str
    payments: int
    beneficiaries_paid: int
    amount: decimal.Decimal


@dataclass
class ProgrammeFigures:
    """Everything the report shows about one programme."""

    summary: Row
    months: list[Month] = field(default_factory=list)
    provinces: list[ProvinceReach] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    currency: str | None = None
    quality: Row = field(default_factory=dict)

    @property
    def code(self) -> str:
        return str(self.summary["programme"])

    @property
    def amount_paid(self) -> decimal.Decimal:
        return sum((p.amount for p in self.periods), decimal.Decimal(0))


@dataclass(frozen=True, slots=True)
class ReportData:
    options: ReportOptions
    programmes: list[ProgrammeFigures]
    events: int
    coverage: list[ProgrammeCoverage] = field(default_factory=list)


def gather(projections: Projections, options: ReportOptions) -> ReportData:
    """Every figure of the report, from the projections as of `options.when`."""
    when, only = options.when, options.programme
    programmes = {r["programme"]: ProgrammeFigures(r) for r in reach(projections, when, only)}
    for row in table(projections, "monthly", when, only).to_pylist():
        if row["programme"] in programmes:
            programmes[row["programme"]].months.append(
                Month(row["month_end"], row["active_beneficiaries"], row["entries"], row["exits"])
            )
    _provinces(programmes, table(projections, "district_reach", when, only).to_pylist())
    _periods(programmes, table(projections, "payments", when, only).to_pylist())
    for row in data_quality(projections, when, only):
        if row["programme"] in programmes:
            programmes[row["programme"]].quality = row
    return ReportData(options, [programmes[c] for c in sorted(programmes)],
                      projections.facts.count(), gather_coverage(projections, when, only))


def _provinces(programmes: dict[str, ProgrammeFigures], rows: list[Row]) -> None:
    names = load_geography().provinces
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        counts = totals[(row["programme"], row["province"] or "")]
        counts[0] += int(bool(row["covered"]))
        counts[1] += int(bool(row["covered"]) and row["beneficiaries"] > 0)
        counts[2] += row["beneficiaries"]
    for (code, province), (covered, reached, beneficiaries) in sorted(totals.items()):
        if code in programmes:
            known = names.get(province)
            name = known.name_en.title() if known else (province or "unknown")
            programmes[code].provinces.append(
                ProvinceReach(province, name, covered, reached, beneficiaries)
            )
    for figures in programmes.values():
        figures.provinces.sort(key=lambda p: (-p.beneficiaries, p.province))


def _periods(programmes: dict[str, ProgrammeFigures], rows: list[Row]) -> None:
    totals: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, 0, decimal.Decimal(0)])
    for row in rows:
        if row["programme"] not in programmes:
            continue
        programmes[row["programme"]].currency = row["currency"]
        period = totals[(row["programme"], row["period"])]
        period[0] += row["payments"]
        period[1] += row["beneficiaries_paid"]
        period[2] += row["amount"]
    for (code, name), (payments, paid, amount) in sorted(totals.items()):
        programmes[code].periods.append(Period(name, payments, paid, amount))
