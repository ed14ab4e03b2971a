"""An independent reference model of the tables: SPEC §4 and §5 in plain Python.

It folds the events one at a time, in the order SPEC §4 gives, for each date it is asked about —
slow, simple and obviously faithful — so the SQL can be checked against it on random histories.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ledger.application import Ledger
from ledger.geography import load_geography

AGE_BANDS = ("0-1", "2-5", "6-11", "12-17", "18-59", "60+", "unknown")


@dataclass(frozen=True)
class Event:
    position: int
    name: str
    recorded_at: dt.datetime
    effective_date: dt.date
    event_id: str
    fields: dict[str, Any]

    def get(self, name: str) -> Any:
        return self.fields.get(name)


def events_of(ledger: Ledger) -> list[Event]:
    """Every stored event, decoded by the library's own mapper (not by the projections)."""
    events = []
    for position, event in ledger.stored_events():
        fields = {
            k: v
            for k, v in vars(event).items()
            if k not in ("originator_id", "originator_version", "timestamp", "event_id",
                         "effective_date", "operator", "note")
        }
        events.append(
            Event(position, type(event).__name__, event.timestamp, event.effective_date,
                  event.event_id, fields)
        )
    return events


def known(events: Iterable[Event], known_at: dt.datetime) -> list[Event]:
    """Recorded by `known_at`, not retracted by then; retractions themselves dropped."""
    recorded = [e for e in events if e.recorded_at <= known_at]
    retracted = {e.get("retracts") for e in recorded if e.name == "EventRetracted"}
    return [e for e in recorded if e.name != "EventRetracted" and e.event_id not in retracted]


def timeline(events: Iterable[Event], as_of: dt.date) -> list[Event]:
    """The events effective by `as_of`, in the order that decides the state."""
    return sorted(
        (e for e in events if e.effective_date <= as_of),
        key=lambda e: (e.effective_date, e.position),
    )


@dataclass
class Beneficiary:
    active: bool = False
    district: str | None = None
    sex: str | None = None
    birth_date: dt.date | None = None
    ever_enrolled: bool = False


@dataclass
class State:
    """The ledger's state after folding a timeline."""

    registered: dict[str, dt.date] = field(default_factory=dict)
    coverage: dict[tuple[str, str], tuple[bool, dt.date | None]] = field(default_factory=dict)
    beneficiaries: dict[tuple[str, str], Beneficiary] = field(default_factory=dict)
    payments: dict[tuple[str, str], Event] = field(default_factory=dict)
    reversed: set[tuple[str, str]] = field(default_factory=set)

    def active(self) -> dict[tuple[str, str], Beneficiary]:
        return {k: b for k, b in self.beneficiaries.items() if b.active}

    def covered(self, programme: str) -> set[str]:
        return {d for (p, d), (on, _) in self.coverage.items() if p == programme and on}


def fold(events: Iterable[Event]) -> State:
    state = State()
    for e in events:
        programme = e.get("programme")
        if e.name == "ProgrammeRegistered":
            state.registered.setdefault(programme, e.effective_date)
        elif e.name == "DistrictExpanded":
            key = (programme, e.get("district"))
            if not state.coverage.get(key, (False, None))[0]:
                state.coverage[key] = (True, e.effective_date)
        elif e.name == "DistrictWithdrawn":
            state.coverage[(programme, e.get("district"))] = (False, None)
        elif e.name in ("BeneficiaryEnrolled", "BeneficiaryTransferred", "BeneficiaryExited"):
            b = state.beneficiaries.setdefault((programme, e.get("beneficiary")), Beneficiary())
            if e.name == "BeneficiaryExited":
                b.active = False
            else:
                b.active = True
                b.district = e.get("district")
            if e.name == "BeneficiaryEnrolled":
                b.sex = e.get("sex")
                b.birth_date = e.get("birth_date")
                b.ever_enrolled = True
        elif e.name == "PaymentRecorded":
            state.payments[(programme, e.get("payment"))] = e
        elif e.name == "PaymentReversed":
            state.reversed.add((programme, e.get("payment")))
    return state


def whole_years(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - (1 if (on.month, on.day) < (born.month, born.day) else 0)


def age_band(born: dt.date | None, on: dt.date) -> str:
    if born is None:
        return "unknown"
    age = whole_years(born, on)
    for limit, band in ((1, "0-1"), (5, "2-5"), (11, "6-11"), (17, "12-17"), (59, "18-59")):
        if age <= limit:
            return band
    return "60+"


def province(district: str | None) -> str | None:
    districts = load_geography().districts
    return districts[district].province if district in districts else None


def names(district: str | None) -> dict[str, str | None]:
    """The province and district names the tables carry beside the codes."""
    geography = load_geography()
    known_district = geography.districts.get(district) if district else None
    if known_district is None:
        return {"province_name": None, "district_name": None}
    return {"province_name": geography.provinces[known_district.province].name_en,
            "district_name": known_district.name_en}


def _last(value: Any) -> tuple[bool, Any]:
    """Sort key: NULLs last, as SQL's default ORDER BY puts them."""
    return (value is None, value if value is not None else "")


def month_ends(first: dt.date, as_of: dt.date) -> list[dt.date]:
    ends = []
    year, month = first.year, first.month
    while True:
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        end = following - dt.timedelta(days=1)
        if end > as_of:
            return ends
        ends.append(end)
        year, month = following.year, following.month


class Reference:
    """The tables as of `as_of`, as known at `known_at`, from a list of events and the
    population figures (district, sex, age_band, year, population, source)."""

    def __init__(self, events: list[Event], as_of: dt.date, known_at: dt.datetime,
                 population: Iterable[tuple[str, str, str, int, int, str]] = ()):
        self.population = list(population)
        self.known = known(events, known_at)
        self.as_of = as_of
        self.known_at = known_at
        self.state = fold(timeline(self.known, as_of))

    def beneficiary_counts(self) -> list[dict[str, Any]]:
        groups = Counter(
            (p, province(b.district), b.district, b.sex, age_band(b.birth_date, self.as_of))
            for (p, _), b in self.state.active().items()
        )
        keys = sorted(
            groups,
            key=lambda k: (k[0], _last(k[1]), _last(k[2]), _last(k[3]), AGE_BANDS.index(k[4])),
        )
        columns = ("programme", "province", "district", "sex", "age_band")
        return [
            {**dict(zip(columns, k, strict=True)), "beneficiaries": groups[k],
             **names(k[2]), "known_at": self.known_at}
            for k in keys
        ]

    def district_reach(self) -> list[dict[str, Any]]:
        present = Counter((p, b.district) for (p, _), b in self.state.active().items())
        keys = set(self.state.coverage) | set(present)
        rows = []
        for p, d in sorted(keys, key=lambda k: (k[0], _last(province(k[1])), _last(k[1]))):
            covered, since = self.state.coverage.get((p, d), (False, None))
            rows.append({
                "programme": p, "province": province(d), "district": d, "covered": covered,
                "covered_since": since if covered else None, "beneficiaries": present[(p, d)],
                **names(d), "known_at": self.known_at,
            })
        return rows

    def programme_summary(self) -> list[dict[str, Any]]:
        rows = []
        active = self.state.active()
        for p in sorted(self.state.registered):
            covered = self.state.covered(p)
            occupied = {b.district for (q, _), b in active.items() if q == p}
            rows.append({
                "programme": p,
                "active_beneficiaries": sum(1 for (q, _) in active if q == p),
                "beneficiaries_ever": sum(
                    1 for (q, _), b in self.state.beneficiaries.items()
                    if q == p and b.ever_enrolled
                ),
                "districts_covered": len(covered),
                "districts_reached": len(covered & occupied),
                "provinces_covered": len({province(d) for d in covered}),
                "known_at": self.known_at,
            })
        return rows

    def payments(self) -> list[dict[str, Any]]:
        groups: dict[tuple[Any, ...], list[Event]] = {}
        for key, payment in self.state.payments.items():
            if key in self.state.reversed:
                continue
            district = self._district_on(payment.get("programme"), payment.get("beneficiary"),
                                         payment.effective_date)
            group = (payment.get("programme"), province(district), district,
                     payment.get("period"), payment.get("currency"))
            groups.setdefault(group, []).append(payment)
        rows = []
        for k in sorted(groups, key=lambda k: (k[0], _last(k[1]), _last(k[2]), k[3], k[4])):
            paid = groups[k]
            rows.append({
                "programme": k[0], "province": k[1], "district": k[2], "period": k[3],
                "payments": len(paid),
                "beneficiaries_paid": len({e.get("beneficiary") for e in paid}),
                "amount": sum((e.get("amount") for e in paid), decimal.Decimal(0)),
                "currency": k[4], **names(k[2]), "known_at": self.known_at,
            })
        return rows

    def monthly(self) -> list[dict[str, Any]]:
        rows = []
        for p, registered in sorted(self.state.registered.items()):
            for end in month_ends(registered, self.as_of):
                state = fold(timeline(self.known, end))
                active = {k: b for k, b in state.active().items() if k[0] == p}
                covered = state.covered(p)
                in_month = [
                    e for e in self.known
                    if e.get("programme") == p and e.effective_date.year == end.year
                    and e.effective_date.month == end.month
                ]
                rows.append({
                    "programme": p,
                    "month_end": end,
                    "active_beneficiaries": len(active),
                    "entries": sum(1 for e in in_month if e.name == "BeneficiaryEnrolled"),
                    "exits": sum(1 for e in in_month if e.name == "BeneficiaryExited"),
                    "districts_covered": len(covered),
                    "districts_reached": len(covered & {b.district for b in active.values()}),
                    "known_at": self.known_at,
                })
        return rows

    def coverage(self) -> list[dict[str, Any]]:
        counted = Counter(
            (p, b.district, b.sex, age_band(b.birth_date, self.as_of))
            for (p, _), b in self.state.active().items()
        )
        latest: dict[tuple[str, str, str], tuple[int, str, int]] = {}
        for district, sex, band, year, population, source in self.population:
            if year > self.as_of.year:
                continue
            cell = (district, sex, band)
            best = latest.get(cell)
            if best is None or (-year, source) < (-best[0], best[1]):
                latest[cell] = (year, source, population)
        cells = set(counted) | {(p, *cell) for p in self.state.registered for cell in latest}
        rows = []
        for p, d, sex, band in sorted(
            cells, key=lambda k: (k[0], _last(province(k[1])), _last(k[1]), k[2],
                                  AGE_BANDS.index(k[3]))
        ):
            figure = latest.get((d, sex, band))
            beneficiaries = counted[(p, d, sex, band)]
            rows.append({
                "programme": p, "province": province(d), "district": d, "sex": sex,
                "age_band": band, "beneficiaries": beneficiaries,
                "population": figure[2] if figure else None,
                "coverage": beneficiaries / figure[2] if figure and figure[2] > 0 else None,
                "population_year": figure[0] if figure else None,
                "population_source": figure[1] if figure else None,
                **names(d), "known_at": self.known_at,
            })
        return rows

    def districts(self) -> list[dict[str, Any]]:
        """The random histories record no geography event: the shipped geography, each
        district valid throughout, with no successor."""
        geography = load_geography()
        return [
            {"district": code, "province": d.province, "district_name": d.name_en,
             "valid_from": None, "valid_to": None, "exists_on_as_of": True, "successors": None,
             "known_at": self.known_at}
            for code, d in sorted(geography.districts.items())
        ]

    def table(self, name: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = getattr(self, name)()
        return rows

    def _district_on(self, programme: str, beneficiary: str, day: dt.date) -> str | None:
        district = None
        for e in timeline(self.known, day):
            if (e.name in ("BeneficiaryEnrolled", "BeneficiaryTransferred")
                    and e.get("programme") == programme and e.get("beneficiary") == beneficiary):
                district = e.get("district")
        return district
