"""The sample history generator: calibration, SPEC §3 rules at every prefix, determinism."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from pathlib import Path

import pytest

from replay_data.calibration import (
    MCW_SCHEDULE,
    SCHOOL_MEALS_PROVINCES,
    SCHOOL_MEALS_SCHEDULE,
    load_geography,
)
from replay_data.generator import (
    AS_OF,
    MCW,
    MCW_FIRST_PAYMENT,
    MCW_FIRST_PAYMENT_DISTRICT,
    MCW_PAYMENT_AMOUNT,
    MCW_PILOT_DISTRICTS,
    MCW_PILOT_START,
    SCHOOL_MEALS,
    generate,
    targets,
    write,
)

Event = dict[str, object]

LATEST = datetime.fromisoformat("2026-01-31T23:59:59+07:00")
REASONS = {"graduated", "aged-out", "moved-away", "deceased", "ineligible", "withdrew", "other"}
FIELDS = {
    "ProgrammeRegistered": {"programme", "name", "benefit"},
    "DistrictExpanded": {"programme", "district"},
    "DistrictWithdrawn": {"programme", "district"},
    "BeneficiaryEnrolled": {"programme", "beneficiary", "district", "sex"},
    "BeneficiaryTransferred": {"programme", "beneficiary", "district"},
    "BeneficiaryExited": {"programme", "beneficiary", "reason"},
    "PaymentRecorded": {"programme", "beneficiary", "payment", "amount", "period"},
    "PaymentReversed": {"programme", "payment", "reason"},
    "EventRetracted": {"retracts", "reason"},
}
OPTIONAL = {"birth_date", "household", "currency"}
ENVELOPE = {"event", "id", "effective_date", "recorded_at", "operator"}
PROGRAMME_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
BENEFICIARY = re.compile(r"[A-Za-z0-9._-]{1,64}")
OPERATOR = re.compile(r"op-[a-z-]+-[0-9]")
LIFECYCLE = {"BeneficiaryEnrolled", "BeneficiaryTransferred", "BeneficiaryExited"}
DISTRICTS = set(load_geography().province_of)


class Refused(AssertionError):
    """A line the ledger would refuse, given everything recorded before it."""


@dataclass
class Fact:
    """One recorded event in compact form: effective day, file position and what it says."""

    day: date
    pos: int
    event: Event


@dataclass
class Checker:
    """An independent model of SPEC §3/§4: validates each line against everything before it."""

    facts: dict[str, Fact] = field(default_factory=dict)
    retracted: set[str] = field(default_factory=set)
    programmes: dict[str, tuple[date, str]] = field(default_factory=dict)
    coverage: dict[tuple[str, str], list[Fact]] = field(default_factory=dict)
    lives: dict[tuple[str, str], list[Fact]] = field(default_factory=dict)  # lifecycle events
    paid: dict[tuple[str, str], list[Fact]] = field(default_factory=dict)
    residents: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    payments: dict[tuple[str, str], Fact] = field(default_factory=dict)
    reversals: dict[tuple[str, str], list[Fact]] = field(default_factory=dict)
    last_recorded: datetime | None = None
    late: int = 0  # events recorded after an event of a later effective date

    def add(self, pos: int, event: Event) -> None:
        """Validate one line like `import --historical` would, then record it."""
        self._envelope(event)
        fact = Fact(date.fromisoformat(str(event["effective_date"])), pos, event)
        kind = event["event"]
        if kind == "EventRetracted":
            self._retract(fact)
        elif kind == "ProgrammeRegistered":
            assert event["programme"] not in self.programmes, "programme codes are unique"
            self.programmes[str(event["programme"])] = (fact.day, str(event["benefit"]))
        else:
            self._programme_event(fact)
        self.facts[str(event["id"])] = fact

    def _envelope(self, event: Event) -> None:
        kind = str(event["event"])
        keys = set(event) - ENVELOPE
        assert FIELDS[kind] <= keys <= FIELDS[kind] | OPTIONAL, (kind, keys)
        event_id = str(event["id"])
        assert 1 <= len(event_id) <= 128 and event_id not in self.facts, event_id
        assert OPERATOR.fullmatch(str(event["operator"])), event["operator"]
        recorded = datetime.fromisoformat(str(event["recorded_at"]))
        assert str(event["recorded_at"]).endswith("+07:00")
        assert recorded <= LATEST
        if self.last_recorded is not None:
            assert recorded >= self.last_recorded, "recorded_at must not decrease"
        self.last_recorded = recorded
        assert str(event["effective_date"]) <= recorded.date().isoformat(), "rule 9"

    def _programme_event(self, fact: Fact) -> None:
        event = fact.event
        programme = str(event["programme"])
        registered, benefit = self.programmes[programme]
        assert fact.day >= registered, "rule 1"
        kind = event["event"]
        if kind in ("DistrictExpanded", "DistrictWithdrawn"):
            assert event["district"] in DISTRICTS
            self.coverage.setdefault((programme, str(event["district"])), []).append(fact)
            self._check_district(programme, str(event["district"]))
        elif kind == "PaymentReversed":
            self._reverse(programme, fact)
        elif kind == "PaymentRecorded":
            self._payment(programme, benefit, fact)
            ben = str(event["beneficiary"])
            self.paid.setdefault((programme, ben), []).append(fact)
            self._check_paid(programme, ben, [fact])
        else:
            ben = str(event["beneficiary"])
            assert BENEFICIARY.fullmatch(ben)
            if kind == "BeneficiaryExited":
                assert event["reason"] in REASONS
            else:
                assert event["district"] in DISTRICTS
                self.residents.setdefault((programme, str(event["district"])), set()).add(ben)
            self.lives.setdefault((programme, ben), []).append(fact)
            self._check_beneficiary(programme, ben)

    def _payment(self, programme: str, benefit: str, fact: Fact) -> None:
        event = fact.event
        assert benefit == "cash", "rule 6: payments only in cash programmes"
        key = (programme, str(event["payment"]))
        assert key not in self.payments, "rule 6: payment ids are unique"
        assert re.fullmatch(r"[1-9][0-9]*(\.[0-9]{1,2})?", str(event["amount"]))
        assert re.fullmatch(r"20[0-9]{2}-(0[1-9]|1[0-2])", str(event["period"]))
        assert event.get("currency", "LAK") == "LAK"
        self.payments[key] = fact

    def _reverse(self, programme: str, fact: Fact) -> None:
        key = (programme, str(fact.event["payment"]))
        payment = self.payments.get(key)
        if payment is None or str(payment.event["id"]) in self.retracted:
            raise Refused(f"rule 7: no such payment {key}")
        assert fact.day >= payment.day, "rule 7: reversal before payment"
        live = [r for r in self.reversals.get(key, []) if str(r.event["id"]) not in self.retracted]
        assert not live, "rule 7: payment already reversed"
        self.reversals.setdefault(key, []).append(fact)

    def _retract(self, fact: Fact) -> None:
        target_id = str(fact.event["retracts"])
        target = self.facts.get(target_id)
        assert target is not None and target_id not in self.retracted, "rule 8"
        assert target.event["event"] != "EventRetracted", "a retraction is never retracted"
        self.retracted.add(target_id)
        event = target.event
        kind = event["event"]
        programme = str(event.get("programme"))
        if kind == "PaymentRecorded":
            reversals = self.reversals.get((programme, str(event["payment"])), [])
            assert all(str(r.event["id"]) in self.retracted for r in reversals), "rule 8"
        if kind in LIFECYCLE:
            self._check_beneficiary(programme, str(event["beneficiary"]))
        elif kind in ("DistrictExpanded", "DistrictWithdrawn"):
            self._check_district(programme, str(event["district"]))

    def _live(self, facts: Iterable[Fact]) -> list[Fact]:
        alive = (f for f in facts if str(f.event["id"]) not in self.retracted)
        return sorted(alive, key=lambda f: (f.day, f.pos))

    def covered(self, programme: str, district: str, day: date) -> bool:
        """Rule 2 state: the last expansion/withdrawal effective on or before `day`."""
        state = False
        for f in self._live(self.coverage.get((programme, district), [])):
            if f.day > day:
                break
            state = f.event["event"] == "DistrictExpanded"
        return state

    def _check_district(self, programme: str, district: str) -> None:
        state = False
        for f in self._live(self.coverage.get((programme, district), [])):
            expand = f.event["event"] == "DistrictExpanded"
            assert expand != state, f"rule 2: {f.event}"
            state = expand
        for ben in sorted(self.residents.get((programme, district), set())):
            self._check_beneficiary(programme, ben)

    def _check_beneficiary(self, programme: str, ben: str) -> None:
        """Rules 3-5 and 9 over this beneficiary's whole (current) timeline, then its payments."""
        spells: list[tuple[date, date | None, str]] = []  # (from, until, district)
        where: str | None = None
        for f in self._live(self.lives.get((programme, ben), [])):
            kind, district = f.event["event"], f.event.get("district")
            if spells and spells[-1][1] is None:
                spells[-1] = (spells[-1][0], f.day, spells[-1][2])
            if kind == "BeneficiaryEnrolled":
                if where is not None:
                    raise Refused(f"rule 3: {ben} already active")
                birth = f.event.get("birth_date")
                assert birth is None or str(birth) <= f.day.isoformat(), "rule 9: birth date"
            elif where is None:
                raise Refused(f"rule 4: {ben} not active for {kind}")
            elif kind == "BeneficiaryTransferred":
                assert district != where, "rule 4: transfer to another district"
            where = str(district) if district is not None else None
            if where is not None:
                spells.append((f.day, None, where))
        for start, until, district in spells:
            self._check_spell(programme, ben, start, until, district)
        self._check_paid(programme, ben, self.paid.get((programme, ben), []))

    def _check_paid(self, programme: str, ben: str, payments: list[Fact]) -> None:
        """Rule 6: active at the end of each payment's day (no same-day exit may follow it)."""
        lifecycle = self._live(self.lives.get((programme, ben), []))
        for payment in payments:
            if str(payment.event["id"]) in self.retracted:
                continue
            state = None
            for f in lifecycle:
                if f.day > payment.day:
                    break
                state = f.event["event"]
            if state in (None, "BeneficiaryExited"):
                raise Refused(f"rule 6: {ben} not active on {payment.day}")

    def _check_spell(
        self, programme: str, ben: str, start: date, until: date | None, district: str
    ) -> None:
        changes = [start] + [
            f.day
            for f in self.coverage.get((programme, district), [])
            if f.day > start and (until is None or f.day < until)
        ]
        for day in changes:
            if not self.covered(programme, district, day):
                raise Refused(f"rules 3-5: {ben} active in uncovered {district} on {day}")


@dataclass
class Figures:
    """Headline answers as of AS_OF, known at the end of the file (SPEC §4)."""

    covered: dict[str, set[str]]
    reached: dict[str, set[str]]
    active: Counter[str]
    ever: dict[str, set[str]]
    payments: list[tuple[date, str, str]]  # (day, district, programme) of each counted payment


def figures(checker: Checker, as_of: date = AS_OF, known_at: int | None = None) -> Figures:
    """Replay the events recorded before position `known_at` (default: all) as of `as_of`."""
    known = [f for f in checker.facts.values() if known_at is None or f.pos < known_at]
    retracted = {str(f.event["retracts"]) for f in known if f.event["event"] == "EventRetracted"}
    facts = sorted(
        (f for f in known if str(f.event["id"]) not in retracted), key=lambda f: (f.day, f.pos)
    )
    covered: dict[tuple[str, str], bool] = {}
    where: dict[tuple[str, str], str | None] = {}
    ever: dict[str, set[str]] = {}
    payments: list[tuple[date, str, str]] = []
    reversed_ = {
        (str(f.event["programme"]), str(f.event["payment"]))
        for f in facts
        if f.event["event"] == "PaymentReversed" and f.day <= as_of
    }
    for f in facts:
        if f.day > as_of:
            break
        e, kind = f.event, f.event["event"]
        programme = str(e.get("programme"))
        if kind in ("DistrictExpanded", "DistrictWithdrawn"):
            covered[(programme, str(e["district"]))] = kind == "DistrictExpanded"
        elif kind in LIFECYCLE:
            key = (programme, str(e["beneficiary"]))
            where[key] = None if kind == "BeneficiaryExited" else str(e["district"])
            if kind == "BeneficiaryEnrolled":
                ever.setdefault(programme, set()).add(key[1])
        elif kind == "PaymentRecorded" and (programme, str(e["payment"])) not in reversed_:
            district = where[(programme, str(e["beneficiary"]))]
            payments.append((f.day, str(district), programme))
    covered_now: dict[str, set[str]] = {}
    for (programme, district), is_covered in covered.items():
        if is_covered:
            covered_now.setdefault(programme, set()).add(district)
    reached: dict[str, set[str]] = {}
    active: Counter[str] = Counter()
    for (programme, _), district in where.items():
        if district is not None:
            active[programme] += 1
            if district in covered_now.get(programme, set()):
                reached.setdefault(programme, set()).add(district)
    return Figures(covered_now, reached, active, ever, payments)


def check(events: Iterator[Event]) -> Checker:
    """Feed a whole history through the checker, line by line."""
    checker = Checker()
    latest_effective = ""
    for pos, event in enumerate(events):
        day = str(event["effective_date"])
        checker.late += day < latest_effective
        latest_effective = max(latest_effective, day)
        checker.add(pos, event)
    return checker


@pytest.fixture(scope="module")
def national() -> Checker:
    """The calibrated history at scale 1, checked once for the whole module."""
    return check(generate(1.0))


@pytest.fixture(scope="module")
def national_figures(national: Checker) -> Figures:
    return figures(national)


# --------------------------------------------------------------------------- calibration


def test_school_meals_reaches_41_districts_in_17_provinces(national_figures: Figures) -> None:
    covered = national_figures.covered[SCHOOL_MEALS]
    assert len(covered) == 41
    assert national_figures.reached[SCHOOL_MEALS] == covered
    province_of = load_geography().province_of
    assert len({province_of[d] for d in covered}) == SCHOOL_MEALS_PROVINCES


def test_school_meals_feeds_over_200000_children(national_figures: Figures) -> None:
    active = national_figures.active[SCHOOL_MEALS]
    assert active > 200_000
    assert active == targets(1.0).school_meals_active == 205_318


def test_mcw_enrolled_109000_beneficiaries(national_figures: Figures) -> None:
    assert len(national_figures.ever[MCW]) == 109_000


def test_mcw_first_payment_reached_982_in_sanamxay(national_figures: Figures) -> None:
    mcw = sorted(p for p in national_figures.payments if p[2] == MCW)
    assert mcw[0][0] == MCW_FIRST_PAYMENT == date(2021, 8, 12)
    first = [p for p in mcw if p[0] == MCW_FIRST_PAYMENT]
    assert len(first) == 982
    assert {p[1] for p in first} == {MCW_FIRST_PAYMENT_DISTRICT} == {"1703"}
    assert not [p for p in national_figures.payments if p[2] == SCHOOL_MEALS]


def test_mcw_pilot_launched_18_june_2021(national: Checker) -> None:
    registered, benefit = national.programmes[MCW]
    assert registered <= MCW_PILOT_START == date(2021, 6, 18) and benefit == "cash"
    for district in MCW_PILOT_DISTRICTS:
        expansions = national.coverage[(MCW, district)]
        assert expansions[0].day == MCW_PILOT_START
        assert expansions[0].event["event"] == "DistrictExpanded"
    pilot = {c.district for c in MCW_SCHEDULE if c.effective == MCW_PILOT_START and c.expand}
    assert pilot == {"1703", "1306"}


def test_mcw_pays_300000_bimonthly_for_the_month_paid(national: Checker) -> None:
    for (programme, _), fact in islice(national.payments.items(), 50_000):
        assert programme == MCW
        assert fact.event["amount"] == MCW_PAYMENT_AMOUNT == "300000"
        assert fact.event["period"] == fact.day.isoformat()[:7]


def test_school_children_are_6_to_11_on_first_enrolment(national: Checker) -> None:
    for (programme, _), facts in islice(national.lives.items(), 100_000):
        if programme != SCHOOL_MEALS:
            continue
        first = facts[0].event
        birth = date.fromisoformat(str(first["birth_date"]))
        day = facts[0].day
        age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
        assert 6 <= age <= 11


# ------------------------------------------------------------------- operator behaviour


def test_history_has_corrections_reversals_and_late_recordings(national: Checker) -> None:
    retracted = Counter(str(national.facts[i].event["event"]) for i in national.retracted)
    assert retracted["BeneficiaryEnrolled"] > 100
    assert retracted["PaymentRecorded"] > 10
    assert retracted["PaymentReversed"] > 0
    share = len(national.retracted) / len(national.facts)
    assert 0.0005 < share < 0.005
    assert sum(len(r) for r in national.reversals.values()) > 500
    assert national.late > 1000
    withdrawn = [k for k, fs in national.coverage.items() if len(fs) > 1]
    assert len(withdrawn) >= 2
    reasons = Counter(
        str(f.event["reason"])
        for fs in national.lives.values()
        for f in fs
        if f.event["event"] == "BeneficiaryExited"
    )
    assert set(reasons) <= REASONS and reasons["graduated"] > reasons["aged-out"] > 0


def test_known_at_differs_from_as_of(national: Checker) -> None:
    """What the ledger said on 2025-07-01 about 2025-06-30 differs from what it says now."""
    as_of = date(2025, 6, 30)
    cutoff = datetime.fromisoformat("2025-07-01T00:00:00+07:00")
    known_at = next(
        f.pos
        for f in national.facts.values()
        if datetime.fromisoformat(str(f.event["recorded_at"])) >= cutoff
    )
    then, now = figures(national, as_of, known_at), figures(national, as_of)
    assert then.active[MCW] < now.active[MCW]
    assert then.active[SCHOOL_MEALS] != now.active[SCHOOL_MEALS]
    assert len(then.payments) != len(now.payments)


def test_schedules_name_real_districts() -> None:
    for change in (*SCHOOL_MEALS_SCHEDULE, *MCW_SCHEDULE):
        assert change.district in DISTRICTS
    assert PROGRAMME_CODE.fullmatch(SCHOOL_MEALS) and PROGRAMME_CODE.fullmatch(MCW)


# ------------------------------------------------------------------- scale and determinism


@pytest.mark.parametrize("seed", [7, 2021])
def test_small_histories_obey_every_rule(seed: int) -> None:
    checker = check(generate(0.02, seed))
    result = figures(checker)
    assert len(result.covered[SCHOOL_MEALS]) == 41 == len(result.reached[SCHOOL_MEALS])
    assert len(result.ever[MCW]) == targets(0.02).mcw_ever_enrolled == 2180
    first = [p for p in result.payments if p[2] == MCW and p[0] == MCW_FIRST_PAYMENT]
    assert len(first) == targets(0.02).mcw_first_payment_beneficiaries == 20


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    assert write(a, 0.02, 11) == write(b, 0.02, 11)
    assert a.read_bytes() == b.read_bytes()
    plain = tmp_path / "c.jsonl"
    count = write(plain, 0.02, 11)
    lines = plain.read_text(encoding="utf-8").splitlines()
    assert len(lines) == count
    with gzip.open(a, "rt", encoding="utf-8") as f:
        assert f.read().splitlines() == lines
    assert lines == [
        json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in generate(0.02, 11)
    ]
    assert lines != [
        json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in generate(0.02, 12)
    ]


def test_checker_refuses_an_exit_recorded_before_its_enrolment() -> None:
    events = list(islice(generate(0.01), 400))
    enrol = next(i for i, e in enumerate(events) if e["event"] == "BeneficiaryEnrolled")
    exit_ = dict(events[enrol], event="BeneficiaryExited", reason="moved-away", id="x-1")
    for key in ("district", "sex", "birth_date"):
        exit_.pop(key, None)
    with pytest.raises(Refused):
        check(iter([*events[:enrol], exit_]))
