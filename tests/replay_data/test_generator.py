"""The sample history generator: calibration, SPEC §3 rules at every prefix, determinism."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
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
# One recorded event: (effective date as ISO text, position in the file, the event). Tuples sort
# by (effective date, recording order): the timeline order of SPEC §3.
Fact = tuple[str, int, Event]

LATEST = "2026-01-31T23:59:59+07:00"
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
RECORDED_AT = re.compile(r"20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\+07:00")
PROGRAMME_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
BENEFICIARY = re.compile(r"[A-Za-z0-9._-]{1,64}")
OPERATOR = re.compile(r"op-[a-z-]+-[0-9]")
AMOUNT = re.compile(r"[1-9][0-9]*(\.[0-9]{1,2})?")
PERIOD = re.compile(r"20[0-9]{2}-(0[1-9]|1[0-2])")
LIFECYCLE = {"BeneficiaryEnrolled", "BeneficiaryTransferred", "BeneficiaryExited"}
DISTRICTS = set(load_geography().province_of)


class Refused(AssertionError):
    """A line the ledger would refuse, given everything recorded before it."""


def _id(fact: Fact) -> str:
    return str(fact[2]["id"])


@dataclass
class Checker:
    """An independent model of SPEC §3/§4: validates each line against everything before it."""

    facts: dict[str, Fact] = field(default_factory=dict)
    retracted: set[str] = field(default_factory=set)
    programmes: dict[str, tuple[str, str]] = field(default_factory=dict)  # (registered, benefit)
    coverage: dict[tuple[str, str], list[Fact]] = field(default_factory=dict)
    lives: dict[tuple[str, str], list[Fact]] = field(default_factory=dict)  # lifecycle events
    paid: dict[tuple[str, str], list[Fact]] = field(default_factory=dict)
    residents: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    payments: dict[tuple[str, str], Fact] = field(default_factory=dict)
    reversals: dict[tuple[str, str], list[Fact]] = field(default_factory=dict)
    last_recorded: str = ""
    shapes: set[tuple[str, ...]] = field(default_factory=set)  # field sets already validated
    late: int = 0  # events recorded after an event with a later effective date
    latest_effective: str = ""

    def add(self, pos: int, event: Event) -> None:
        """Validate one line like `import --historical` would, then record it."""
        self._envelope(event)
        fact: Fact = (str(event["effective_date"]), pos, event)
        kind = event["event"]
        if kind == "EventRetracted":
            self._retract(fact)
        elif kind == "ProgrammeRegistered":
            assert PROGRAMME_CODE.fullmatch(str(event["programme"]))
            assert event["programme"] not in self.programmes, "programme codes are unique"
            self.programmes[str(event["programme"])] = (fact[0], str(event["benefit"]))
        else:
            self._programme_event(fact)
        self.facts[str(event["id"])] = fact

    def _envelope(self, event: Event) -> None:
        shape = tuple(event)
        if shape not in self.shapes:
            kind, keys = str(event["event"]), set(shape) - ENVELOPE
            assert set(shape) >= ENVELOPE, shape
            assert FIELDS[kind] <= keys <= FIELDS[kind] | OPTIONAL, (kind, keys)
            self.shapes.add(shape)
        event_id = str(event["id"])
        assert 1 <= len(event_id) <= 128 and event_id not in self.facts, event_id
        assert OPERATOR.fullmatch(str(event["operator"])), event["operator"]
        recorded, effective = str(event["recorded_at"]), str(event["effective_date"])
        assert RECORDED_AT.fullmatch(recorded), recorded
        # One offset throughout, so RFC 3339 text compares like the instants it names.
        assert self.last_recorded <= recorded <= LATEST, "recorded_at must not decrease"
        self.last_recorded = recorded
        date.fromisoformat(effective)
        assert effective <= recorded[:10], "rule 9: effective after the day it is recorded"
        self.late += effective < self.latest_effective
        self.latest_effective = max(self.latest_effective, effective)

    def _programme_event(self, fact: Fact) -> None:
        event = fact[2]
        programme, kind = str(event["programme"]), event["event"]
        registered, benefit = self.programmes[programme]
        assert fact[0] >= registered, "rule 1: effective before the programme's registration"
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
        event = fact[2]
        assert benefit == "cash", "rule 6: payments only in cash programmes"
        key = (programme, str(event["payment"]))
        assert key not in self.payments, "rule 6: payment ids are unique"
        assert AMOUNT.fullmatch(str(event["amount"])) and PERIOD.fullmatch(str(event["period"]))
        assert event.get("currency", "LAK") == "LAK"
        self.payments[key] = fact

    def _reverse(self, programme: str, fact: Fact) -> None:
        key = (programme, str(fact[2]["payment"]))
        payment = self.payments.get(key)
        if payment is None or _id(payment) in self.retracted:
            raise Refused(f"rule 7: no such payment {key}")
        assert fact[0] >= payment[0], "rule 7: reversal before payment"
        assert not self._live(self.reversals.get(key, [])), "rule 7: payment already reversed"
        self.reversals.setdefault(key, []).append(fact)

    def _retract(self, fact: Fact) -> None:
        target_id = str(fact[2]["retracts"])
        target = self.facts.get(target_id)
        assert target is not None and target_id not in self.retracted, "rule 8"
        event = target[2]
        kind, programme = event["event"], str(event.get("programme"))
        assert kind != "EventRetracted", "a retraction is never retracted"
        self.retracted.add(target_id)
        if kind == "PaymentRecorded":
            reversals = self.reversals.get((programme, str(event["payment"])), [])
            assert not self._live(reversals), "rule 8: retract the reversal first"
        elif kind in LIFECYCLE:
            self._check_beneficiary(programme, str(event["beneficiary"]))
        elif kind in ("DistrictExpanded", "DistrictWithdrawn"):
            self._check_district(programme, str(event["district"]))

    def _live(self, facts: Iterable[Fact]) -> list[Fact]:
        """Unretracted facts in timeline order."""
        return sorted(f for f in facts if _id(f) not in self.retracted)

    def covered(self, programme: str, district: str, day: str) -> bool:
        """Whether the last expansion/withdrawal effective on or before `day` is an expansion."""
        state = False
        for effective, _, event in self._live(self.coverage.get((programme, district), [])):
            if effective > day:
                break
            state = event["event"] == "DistrictExpanded"
        return state

    def _check_district(self, programme: str, district: str) -> None:
        """Rule 2 on the district's own events, rule 5 on everyone who was ever there."""
        state = False
        for _, _, event in self._live(self.coverage.get((programme, district), [])):
            expand = event["event"] == "DistrictExpanded"
            assert expand != state, f"rule 2: {event}"
            state = expand
        for ben in sorted(self.residents.get((programme, district), set())):
            self._check_beneficiary(programme, ben)

    def _check_beneficiary(self, programme: str, ben: str) -> None:
        """Rules 3-5 and 9 over this beneficiary's whole current timeline, then its payments."""
        spells: list[tuple[str, str | None, str]] = []  # (from, until, district)
        where: str | None = None
        for day, _, event in self._live(self.lives.get((programme, ben), [])):
            kind, district = event["event"], event.get("district")
            if spells and spells[-1][1] is None:
                spells[-1] = (spells[-1][0], day, spells[-1][2])
            if kind == "BeneficiaryEnrolled":
                if where is not None:
                    raise Refused(f"rule 3: {ben} already active on {day}")
                assert str(event.get("birth_date", "")) <= day, "rule 9: born after enrolment"
            elif where is None:
                raise Refused(f"rule 4: {ben} not active for {kind} on {day}")
            elif kind == "BeneficiaryTransferred":
                assert district != where, "rule 4: transfer to another district"
            where = str(district) if district is not None else None
            if where is not None:
                spells.append((day, None, where))
        for start, until, district in spells:
            self._check_spell(programme, ben, start, until, district)
        self._check_paid(programme, ben, self.paid.get((programme, ben), []))

    def _check_spell(self, programme: str, ben: str, start: str, until: str | None, district: str) -> None:
        """The district is covered on every day of a stay (rules 3-5)."""
        changes = [start] + [
            day
            for day, _, _ in self.coverage.get((programme, district), [])
            if day > start and (until is None or day < until)
        ]
        for day in changes:
            if not self.covered(programme, district, day):
                raise Refused(f"rules 3-5: {ben} active in uncovered {district} on {day}")

    def _check_paid(self, programme: str, ben: str, payments: list[Fact]) -> None:
        """Rule 6: active at the end of each payment's day (no same-day exit may follow it)."""
        lifecycle = self._live(self.lives.get((programme, ben), []))
        for payment in payments:
            if _id(payment) in self.retracted:
                continue
            state = None
            for day, _, event in lifecycle:
                if day > payment[0]:
                    break
                state = event["event"]
            if state in (None, "BeneficiaryExited"):
                raise Refused(f"rule 6: {ben} not active on {payment[0]}")

    def timeline(self) -> list[Fact]:
        """Every recorded fact in (effective date, position) order, retracted or not."""
        return sorted(self.facts.values())


@dataclass
class Figures:
    """Headline answers as of a date, known at a position in the file (SPEC §4)."""

    covered: dict[str, set[str]]
    reached: dict[str, set[str]]
    active: Counter[str]
    ever: dict[str, set[str]]
    payments: list[tuple[str, str, str]]  # (day, payee's district, programme), counted ones


def figures(timeline: list[Fact], as_of: date = AS_OF, known_at: int | None = None) -> Figures:
    """Replay the facts recorded before position `known_at` (default: all) as of `as_of`."""
    day_limit = as_of.isoformat()
    known = [f for f in timeline if known_at is None or f[1] < known_at]
    retracted = {str(e["retracts"]) for _, _, e in known if e["event"] == "EventRetracted"}
    facts = [f for f in known if _id(f) not in retracted and f[0] <= day_limit]
    reversed_ = {
        (str(e["programme"]), str(e["payment"])) for _, _, e in facts if e["event"] == "PaymentReversed"
    }
    covered: dict[tuple[str, str], bool] = {}
    where: dict[tuple[str, str], str | None] = {}
    ever: dict[str, set[str]] = {}
    payments: list[tuple[str, str, str]] = []
    for day, _, e in facts:
        kind, programme = e["event"], str(e.get("programme"))
        if kind in ("DistrictExpanded", "DistrictWithdrawn"):
            covered[(programme, str(e["district"]))] = kind == "DistrictExpanded"
        elif kind in LIFECYCLE:
            key = (programme, str(e["beneficiary"]))
            where[key] = None if kind == "BeneficiaryExited" else str(e["district"])
            if kind == "BeneficiaryEnrolled":
                ever.setdefault(programme, set()).add(key[1])
        elif kind == "PaymentRecorded" and (programme, str(e["payment"])) not in reversed_:
            payments.append((day, str(where[(programme, str(e["beneficiary"]))]), programme))
    covered_now: dict[str, set[str]] = {}
    for (programme, district), is_covered in covered.items():
        if is_covered:
            covered_now.setdefault(programme, set()).add(district)
    reached: dict[str, set[str]] = {}
    active: Counter[str] = Counter()
    for (programme, _), district in where.items():
        if district is not None:
            active[programme] += 1
            reached.setdefault(programme, set()).add(district)
    return Figures(covered_now, reached, active, ever, payments)


def check(events: Iterator[Event]) -> Checker:
    """Feed a whole history through the checker, line by line."""
    checker = Checker()
    for pos, event in enumerate(events):
        checker.add(pos, event)
    return checker


@pytest.fixture(scope="module")
def national() -> Checker:
    """The calibrated history at scale 1, checked once for the whole module (~1 min)."""
    return check(generate(1.0))


@pytest.fixture(scope="module")
def timeline(national: Checker) -> list[Fact]:
    return national.timeline()


@pytest.fixture(scope="module")
def headline(timeline: list[Fact]) -> Figures:
    return figures(timeline)


# --------------------------------------------------------------------------- calibration


@pytest.mark.slow
def test_school_meals_reaches_41_districts_in_17_provinces(headline: Figures) -> None:
    covered = headline.covered[SCHOOL_MEALS]
    assert len(covered) == 41
    assert headline.reached[SCHOOL_MEALS] == covered
    province_of = load_geography().province_of
    assert len({province_of[d] for d in covered}) == SCHOOL_MEALS_PROVINCES == 17


@pytest.mark.slow
def test_school_meals_feeds_over_200000_children(headline: Figures) -> None:
    active = headline.active[SCHOOL_MEALS]
    assert active > 200_000
    assert active == targets(1.0).school_meals_active == 205_318


@pytest.mark.slow
def test_mcw_enrolled_109000_beneficiaries(headline: Figures) -> None:
    assert len(headline.ever[MCW]) == targets(1.0).mcw_ever_enrolled == 109_000


@pytest.mark.slow
def test_mcw_first_payment_reached_982_in_sanamxay(headline: Figures) -> None:
    mcw = sorted(p for p in headline.payments if p[2] == MCW)
    assert mcw[0][0] == MCW_FIRST_PAYMENT.isoformat() == "2021-08-12"
    first = [p for p in mcw if p[0] == MCW_FIRST_PAYMENT.isoformat()]
    assert len(first) == 982
    assert {p[1] for p in first} == {MCW_FIRST_PAYMENT_DISTRICT} == {"1703"}
    nong = [p for p in mcw if p[1] == "1306"]
    assert nong[0][0] > "2021-08-12"
    assert not [p for p in headline.payments if p[2] == SCHOOL_MEALS]


@pytest.mark.slow
def test_mcw_pilot_launched_18_june_2021(national: Checker) -> None:
    registered, benefit = national.programmes[MCW]
    assert registered <= MCW_PILOT_START.isoformat() == "2021-06-18" and benefit == "cash"
    for district in MCW_PILOT_DISTRICTS:
        day, _, event = national.coverage[(MCW, district)][0]
        assert (day, event["event"]) == ("2021-06-18", "DistrictExpanded")
    pilot = {c.district for c in MCW_SCHEDULE if c.effective == MCW_PILOT_START and c.expand}
    assert pilot == {"1703", "1306"}


@pytest.mark.slow
def test_mcw_pays_300000_every_two_months(national: Checker) -> None:
    months: dict[str, set[str]] = {}
    for (programme, _), (day, _, event) in national.payments.items():
        assert programme == MCW
        assert event["amount"] == MCW_PAYMENT_AMOUNT == "300000"
        assert event["period"] == day[:7]
        months.setdefault(str(event["payment"])[4:8], set()).add(day[:7])
    sanamxay = sorted(months["1703"])
    assert sanamxay[:3] == ["2021-08", "2021-10", "2021-12"]


@pytest.mark.slow
def test_school_children_are_6_to_11_on_first_enrolment(national: Checker) -> None:
    children = [f for (p, _), f in national.lives.items() if p == SCHOOL_MEALS]
    assert len(children) > 300_000
    for facts in islice(children, 0, None, 7):
        day, _, first = facts[0]
        birth, on = date.fromisoformat(str(first["birth_date"])), date.fromisoformat(day)
        age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
        assert 6 <= age <= 11


# ------------------------------------------------------------------- operator behaviour


@pytest.mark.slow
def test_history_has_corrections_reversals_and_late_recordings(national: Checker) -> None:
    retracted = Counter(str(national.facts[i][2]["event"]) for i in national.retracted)
    assert retracted["BeneficiaryEnrolled"] > 100
    assert retracted["PaymentRecorded"] > 10
    assert retracted["PaymentReversed"] > 0
    assert 0.0005 < len(national.retracted) / len(national.facts) < 0.005
    assert sum(len(r) for r in national.reversals.values()) > 500
    assert national.late > 1000
    assert len([k for k, changes in national.coverage.items() if len(changes) > 1]) >= 2
    reasons = Counter(
        str(event["reason"])
        for facts in national.lives.values()
        for _, _, event in facts
        if event["event"] == "BeneficiaryExited"
    )
    assert set(reasons) <= REASONS and reasons["graduated"] > reasons["aged-out"] > 0
    operators = {str(f[2]["operator"]) for f in islice(national.facts.values(), 0, None, 11)}
    assert len(operators) > 40


@pytest.mark.slow
def test_known_at_differs_from_as_of(national: Checker, timeline: list[Fact]) -> None:
    """What the ledger said on 1 July 2025 about 30 June 2025 differs from what it says now."""
    as_of = date(2025, 6, 30)
    known_at = next(pos for _, pos, e in national.facts.values() if str(e["recorded_at"]) >= "2025-07-01")
    then, now = figures(timeline, as_of, known_at), figures(timeline, as_of)
    assert then.active[MCW] < now.active[MCW]
    assert then.active[SCHOOL_MEALS] != now.active[SCHOOL_MEALS]
    assert len(then.payments) != len(now.payments)


def test_schedules_name_real_districts() -> None:
    for change in (*SCHOOL_MEALS_SCHEDULE, *MCW_SCHEDULE):
        assert change.district in DISTRICTS
    assert PROGRAMME_CODE.fullmatch(SCHOOL_MEALS) and PROGRAMME_CODE.fullmatch(MCW)


# ------------------------------------------------------------------- scale and determinism


@pytest.mark.parametrize("seed", [7, 2021])
def test_small_histories_obey_every_rule_and_scale_the_targets(seed: int) -> None:
    result = figures(check(generate(0.02, seed)).timeline())
    small = targets(0.02)
    assert len(result.covered[SCHOOL_MEALS]) == 41 == len(result.reached[SCHOOL_MEALS])
    assert result.active[SCHOOL_MEALS] == small.school_meals_active == 4106
    assert len(result.ever[MCW]) == small.mcw_ever_enrolled == 2180
    first = [p for p in result.payments if p[2] == MCW and p[0] == "2021-08-12"]
    assert len(first) == small.mcw_first_payment_beneficiaries == 20


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b, plain = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz", tmp_path / "c.jsonl"
    assert write(a, 0.02, 11) == write(b, 0.02, 11) == write(plain, 0.02, 11)
    assert a.read_bytes() == b.read_bytes()
    lines = plain.read_text(encoding="utf-8").splitlines()
    with gzip.open(a, "rt", encoding="utf-8") as f:
        assert f.read().splitlines() == lines

    def dumps(e: Event) -> str:
        return json.dumps(e, ensure_ascii=False, separators=(",", ":"))

    assert lines == [dumps(e) for e in generate(0.02, 11)]
    assert lines != [dumps(e) for e in generate(0.02, 12)]


def test_checker_refuses_an_exit_recorded_before_its_enrolment() -> None:
    events = list(islice(generate(0.01), 400))
    enrol = next(i for i, e in enumerate(events) if e["event"] == "BeneficiaryEnrolled")
    exit_ = dict(events[enrol], event="BeneficiaryExited", reason="moved-away", id="x-1")
    for key in ("district", "sex", "birth_date"):
        exit_.pop(key, None)
    with pytest.raises(Refused):
        check(iter([*events[:enrol], exit_]))
