"""Deterministic, seeded generator of the calibrated 2021-2025 Lao sample history (event log v1).

`generate()` simulates the two programmes day by day, plans each beneficiary's whole life course
when it is enrolled, and yields the events in recording order. See replay_data/README.md for the
calibration and every synthetic assumption.
"""

from __future__ import annotations

import argparse
import gzip
import heapq
import json
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import NamedTuple

from replay_data.calibration import (
    AS_OF,
    CURRENCY,
    LAST_RECORDING,
    MCW,
    MCW_BENEFICIARIES_EVER,
    MCW_FIRST_PAYMENT,
    MCW_FIRST_PAYMENT_BENEFICIARIES,
    MCW_FIRST_PAYMENT_DISTRICT,
    MCW_MONTHLY_BENEFIT_LAK,
    MCW_NONG_FIRST_PAYMENT,
    MCW_PAYMENT_AMOUNT,
    MCW_PILOT_DISTRICTS,
    MCW_PILOT_START,
    MCW_REGISTERED,
    MCW_SCHEDULE,
    SCHOOL_MEALS,
    SCHOOL_MEALS_ACTIVE,
    SCHOOL_MEALS_DISTRICTS,
    SCHOOL_MEALS_REGISTERED,
    SCHOOL_MEALS_SCHEDULE,
    CoverageChange,
    Targets,
    load_geography,
    targets,
)

__all__ = [
    "AS_OF",
    "MCW",
    "MCW_BENEFICIARIES_EVER",
    "MCW_FIRST_PAYMENT",
    "MCW_FIRST_PAYMENT_BENEFICIARIES",
    "MCW_FIRST_PAYMENT_DISTRICT",
    "MCW_MONTHLY_BENEFIT_LAK",
    "MCW_PAYMENT_AMOUNT",
    "MCW_PILOT_DISTRICTS",
    "MCW_PILOT_START",
    "SCHOOL_MEALS",
    "SCHOOL_MEALS_ACTIVE",
    "SCHOOL_MEALS_DISTRICTS",
    "Targets",
    "generate",
    "main",
    "targets",
    "write",
]

Event = dict[str, object]

DAY = 86_400
OFFICE_OPENS = 8 * 3600
OFFICE_HOURS = 9 * 3600
# Two lifecycle events of one beneficiary are at least MIN_GAP days apart. Since no recording
# lags its effective date by more than 30 days, a beneficiary's events are then recorded in
# effective order, so every prefix of the file is a valid timeline.
MIN_GAP = 45
# Enrolments open this many days after an expansion, which is recorded within 3 days.
OPEN_DELAY = 4
# A beneficiary is paid only from the first round at least this long after enrolment, so the
# enrolment (recorded within 30 days) is always recorded before the payment.
PAY_AFTER = 31
NEVER = date.max.toordinal()
AS_OF_ORD = AS_OF.toordinal()
LAST_RECORDED_SECOND = (LAST_RECORDING.toordinal() + 1) * DAY - 1

# Rates of the synthetic operator mistakes and corrections.
WRONG_DISTRICT_RATE = 0.002
DUPLICATE_REGISTRATION_RATE = 0.001
GHOST_RATE = 0.001
DUPLICATE_PAYMENT_RATE = 0.0005
REVERSAL_RATE = 0.003
REVERSAL_RETRACTED_RATE = 0.05

GRADE_SHARES = (1.12, 1.05, 0.99, 0.94, 0.90)  # grade 1..5 share of a roll (repetition, drop-out)
ROLL_GROWTH = 1.03  # School Meals rolls grow 3 % a year
LATE_ENTRANTS = 0.02  # late entrants to grades 2-5 during a school year, share of the roll
FINAL_RESERVE = 0.03  # share of each 2025 target left for the Nov-Dec top-up
# MCW enrolment weight by the year a district joins.
EARLY_WEIGHT = {2021: 1.8, 2022: 1.6, 2023: 1.2, 2024: 0.8, 2025: 0.6}

# The 2025 top-up is planned in mid-November for entrants who cannot leave before AS_OF.
TOP_UP_PLANNED = date(2025, 11, 15)
TOP_UP_FROM = date(2025, 11, 17)
TOP_UP_TO = date(2025, 12, 20)

ENROLLED = "BeneficiaryEnrolled"
TRANSFERRED = "BeneficiaryTransferred"
EXITED = "BeneficiaryExited"
PAID = "PaymentRecorded"


class Action(NamedTuple):
    """A planned lifecycle step of one beneficiary, emitted when the simulation reaches its day."""

    kind: str  # enrol | transfer | exit | duplicate | discover
    programme: str
    beneficiary: str
    district: str
    detail: str = ""  # exit reason, transfer origin, "wrong:<district>" or "ghost"
    sex: str = ""
    birth: int = 0  # ordinal of the birth date, 0 when not recorded


_ISO: dict[int, str] = {}


def _iso(ordinal: int) -> str:
    """ISO date of an ordinal, cached: the history spans only a few thousand days."""
    text = _ISO.get(ordinal)
    if text is None:
        text = _ISO[ordinal] = date.fromordinal(ordinal).isoformat()
    return text


@cache
def _clock() -> list[str]:
    """ "HH:MM:SS" for every second of a day, formatted once."""
    return [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]


def _stamp(second: int) -> str:
    """RFC 3339 Lao time for a second counted from the ordinal epoch."""
    day, rest = divmod(second, DAY)
    return f"{_iso(day)}T{_clock()[rest]}+07:00"


def _age(birth: int, on: int) -> int:
    """Age in whole years on a day."""
    b, d = date.fromordinal(birth), date.fromordinal(on)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


@cache  # a few thousand distinct days, asked about hundreds of thousands of times
def _years_later(ordinal: int, years: int) -> int:
    """The anniversary `years` later (1 March for 29 February in a common year)."""
    d = date.fromordinal(ordinal)
    try:
        return d.replace(year=d.year + years).toordinal()
    except ValueError:
        return date(d.year + years, 3, 1).toordinal()


def _add_months(day: date, months: int) -> date:
    """Same day of the month, `months` later (days are ≤ 28 where this is used)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, day.day)


def _allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights` exactly (largest remainder, ties by position)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _open_spells(schedule: Sequence[CoverageChange]) -> list[tuple[int, int, str]]:
    """(open from, open until, district) for each spell in which enrolment is possible."""
    spells: list[tuple[int, int, str]] = []
    started: dict[str, int] = {}
    for change in schedule:
        day = change.effective.toordinal()
        if change.expand and change.enrolling:
            started[change.district] = len(spells)
            spells.append((day + OPEN_DELAY, NEVER, change.district))
        elif not change.expand and change.district in started:
            index = started.pop(change.district)
            spells[index] = (spells[index][0], day, change.district)
    return spells


def _prefix(programme: str) -> str:
    return "sm" if programme == SCHOOL_MEALS else "mcw"


class _History:
    """The state of the simulation; `run()` yields the events in recording order."""

    def __init__(self, scale: float, seed: int) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.rng = random.Random(seed)
        self.rand = self.rng.random
        self.targets = targets(scale)
        geography = load_geography()
        self.province_of = geography.province_of
        offices = {
            code: [f"op-{slug}-{k}" for k in range(1, self.between(2, 4) + 1)]
            for code, slug in geography.slug_of.items()
        }
        self.operators = {d: offices[p] for d, p in self.province_of.items()}
        self.heap: list[tuple[int, int, Event]] = []
        self.seq = 0
        self.counters: dict[str, int] = {}
        self.serials: dict[str, int] = {}
        self.pending: dict[int, list[Action]] = {}
        self.spells = {
            SCHOOL_MEALS: _open_spells(SCHOOL_MEALS_SCHEDULE),
            MCW: _open_spells(MCW_SCHEDULE),
        }
        self.year_ends: dict[tuple[str, int], int] = {}
        self.sm_target = self._school_meals_targets()
        self.sm_final = dict.fromkeys(self.sm_target, 0)
        self.mcw_active: dict[str, dict[str, int]] = {}
        self.mcw_cells = self._mcw_cells()
        self.rounds = self._payment_rounds()
        self.ghost_events: dict[str, list[str]] = {}

    # ----------------------------------------------------------------- recording machinery

    def between(self, low: int, high: int) -> int:
        """Uniform integer in [low, high]; much cheaper than Random.randint."""
        return low + int(self.rand() * (high - low + 1))

    def _next_id(self, prefix: str) -> str:
        n = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = n
        return f"{prefix}-{n:07d}"

    def _serial(self, prefix: str, district: str, width: int) -> str:
        key = f"{prefix}-{district}"
        n = self.serials.get(key, 0) + 1
        self.serials[key] = n
        return f"{key}-{n:0{width}d}"

    def _lag(self) -> int:
        """Days between a fact and its recording: mostly within a week, never over 30."""
        r = self.rand()
        if r < 0.6:
            return 1 + int(r * 7 / 0.6)
        if r < 0.9:
            return 8 + int((r - 0.6) * 13 / 0.3)
        return min(30, 21 + int((r - 0.9) * 10 / 0.1))

    def _at(self, day: int, lag: int) -> int:
        """A recording second during office hours, `lag` days after `day`."""
        return (day + lag) * DAY + OFFICE_OPENS + int(self.rand() * OFFICE_HOURS)

    def _operator(self, district: str) -> str:
        office = self.operators[district]
        return office[int(self.rand() * len(office))]

    def _record(self, second: int, name: str, day: int, prefix: str, operator: str, fields: Event) -> str:
        """Queue one event to be written at `second`; returns its id."""
        if second > LAST_RECORDED_SECOND:
            raise AssertionError(f"{name} would be recorded after {LAST_RECORDING}")
        event_id = self._next_id(prefix)
        event: Event = {
            "event": name,
            "id": event_id,
            "effective_date": _iso(day),
            "recorded_at": second,  # formatted when popped from the queue
            "operator": operator,
        }
        event.update(fields)
        heapq.heappush(self.heap, (second, self.seq, event))
        self.seq += 1
        return event_id

    def _retract(self, second: int, target: str, prefix: str, operator: str, reason: str) -> None:
        day = second // DAY  # effective the day the mistake is noticed and recorded
        fields: Event = {"retracts": target, "reason": reason}
        self._record(second, "EventRetracted", day, prefix, operator, fields)

    def _flush(self, until: int) -> Iterator[Event]:
        """Pop every queued event recorded before second `until`."""
        heap = self.heap
        while heap and heap[0][0] < until:
            second, _, event = heapq.heappop(heap)
            event["recorded_at"] = _stamp(second)
            yield event

    def _push(self, day: int, action: Action) -> None:
        if day <= AS_OF_ORD:
            self.pending.setdefault(day, []).append(action)

    # ----------------------------------------------------------------------- geography

    def _open(self, programme: str, day: int) -> list[str]:
        """Districts where the programme can enrol on `day`, in roll-out order."""
        return [d for start, end, d in self.spells[programme] if start <= day < end]

    def _other_district(self, programme: str, day: int, district: str) -> str | None:
        """Another open district, in the same province when there is one."""
        others = [d for d in self._open(programme, day) if d != district]
        same = [d for d in others if self.province_of[d] == self.province_of[district]]
        choices = same or others
        return choices[int(self.rand() * len(choices))] if choices else None

    # -------------------------------------------------------------------------- the run

    def run(self) -> Iterator[Event]:
        """Simulate every day from the first registration to AS_OF, yielding recorded events."""
        changes: dict[int, list[tuple[str, CoverageChange]]] = {}
        for programme in (SCHOOL_MEALS, MCW):
            schedule = SCHOOL_MEALS_SCHEDULE if programme == SCHOOL_MEALS else MCW_SCHEDULE
            for change in schedule:
                changes.setdefault(change.effective.toordinal(), []).append((programme, change))
        for day in range(SCHOOL_MEALS_REGISTERED.toordinal(), AS_OF_ORD + 1):
            self._registrations(day)
            for programme, change in changes.get(day, []):
                self._coverage(programme, change)
            self._plan(day)
            for action in self.pending.pop(day, []):
                self._act(day, action)
            for district in self.rounds.get(day, []):
                self._pay_round(day, district)
            yield from self._flush((day + 1) * DAY)
        yield from self._flush(NEVER * DAY)

    def _registrations(self, day: int) -> None:
        registrations: dict[int, Event] = {
            SCHOOL_MEALS_REGISTERED.toordinal(): {
                "programme": SCHOOL_MEALS,
                "name": "National School Meals Programme",
                "benefit": "in-kind",
            },
            MCW_REGISTERED.toordinal(): {
                "programme": MCW,
                "name": "Mother and Early Childhood Grant (maternal and child welfare)",
                "benefit": "cash",
                "currency": CURRENCY,
            },
        }
        fields = registrations.get(day)
        if fields is not None:
            prefix = f"{_prefix(str(fields['programme']))}-reg"
            self._record(self._at(day, 1), "ProgrammeRegistered", day, prefix, "op-national-1", fields)

    def _coverage(self, programme: str, change: CoverageChange) -> None:
        """Expansions and withdrawals are recorded by the national office within three days."""
        day = change.effective.toordinal()
        name, kind = ("DistrictExpanded", "dex") if change.expand else ("DistrictWithdrawn", "dwd")
        operator = f"op-national-{self.between(1, 2)}"
        fields: Event = {"programme": programme, "district": change.district}
        prefix = f"{_prefix(programme)}-{kind}"
        self._record(self._at(day, self.between(1, 3)), name, day, prefix, operator, fields)

    def _plan(self, day: int) -> None:
        """Plan the enrolments that start today (whole life courses, pushed as actions)."""
        for start, _, district in self.spells[SCHOOL_MEALS]:
            if start == day:
                self._sm_initial_roll(day, district)
        today = date.fromordinal(day)
        if today.month == 9 and today.day == 1:
            self._sm_intake(day)
        if today == TOP_UP_PLANNED:
            self._sm_top_up(day)
        if today.day == 1 and today >= MCW_REGISTERED.replace(day=1):
            self._mcw_month(today)

    def _act(self, day: int, action: Action) -> None:
        """Record one planned action and update the state payments depend on."""
        if action.kind == "enrol":
            self._enrol(day, action)
        elif action.kind == "transfer":
            self._transfer(day, action)
        elif action.kind == "exit":
            self._exit(day, action)
        elif action.kind == "duplicate":
            self._duplicate(day, action)
        else:
            self._discover(day, action)

    # ----------------------------------------------------------------- lifecycle events

    def _enrolment(self, action: Action, district: str) -> Event:
        fields: Event = {
            "programme": action.programme,
            "beneficiary": action.beneficiary,
            "district": district,
            "sex": action.sex,
        }
        if action.birth:
            fields["birth_date"] = _iso(action.birth)
        if action.programme == MCW:
            fields["household"] = "HH" + action.beneficiary[3:]
        return fields

    def _enrol(self, day: int, action: Action) -> None:
        prefix = _prefix(action.programme)
        operator = self._operator(action.district)
        if action.detail.startswith("wrong:"):
            # The operator keyed the wrong district, noticed it and re-recorded the enrolment.
            wrong = action.detail[6:]
            first = self._at(day, self.between(1, 10))
            fields = self._enrolment(action, wrong)
            mistaken = self._record(first, ENROLLED, day, f"{prefix}-enr", operator, fields)
            second = first + self.between(1, 7) * DAY + self.between(0, 3599)
            reason = f"enrolled in district {wrong} by mistake; re-recorded in {action.district}"
            self._retract(second, mistaken, f"{prefix}-ret", operator, reason)
            recorded = second + self.between(60, 900)
        else:
            recorded = self._at(day, self._lag())
        fields = self._enrolment(action, action.district)
        event_id = self._record(recorded, ENROLLED, day, f"{prefix}-enr", operator, fields)
        if action.programme == MCW:
            self.mcw_active.setdefault(action.district, {})[action.beneficiary] = day
            if action.detail == "ghost":
                self.ghost_events[action.beneficiary] = [event_id]

    def _transfer(self, day: int, action: Action) -> None:
        fields: Event = {
            "programme": action.programme,
            "beneficiary": action.beneficiary,
            "district": action.district,
        }
        prefix = f"{_prefix(action.programme)}-trf"
        operator = self._operator(action.district)
        self._record(self._at(day, self._lag()), TRANSFERRED, day, prefix, operator, fields)
        if action.programme == MCW:
            enrolled = self.mcw_active[action.detail].pop(action.beneficiary)
            self.mcw_active.setdefault(action.district, {})[action.beneficiary] = enrolled

    def _exit(self, day: int, action: Action) -> None:
        fields: Event = {
            "programme": action.programme,
            "beneficiary": action.beneficiary,
            "reason": action.detail,
        }
        prefix = f"{_prefix(action.programme)}-exi"
        operator = self._operator(action.district)
        self._record(self._at(day, self._lag()), EXITED, day, prefix, operator, fields)
        if action.programme == MCW:
            del self.mcw_active[action.district][action.beneficiary]

    def _duplicate(self, day: int, action: Action) -> None:
        """A second registration of someone already enrolled, found and retracted within a week."""
        prefix = _prefix(action.programme)
        operator = self._operator(action.district)
        first = self._at(day, self.between(1, 10))
        fields = self._enrolment(action, action.district)
        event_id = self._record(first, ENROLLED, day, f"{prefix}-enr", operator, fields)
        second = first + self.between(1, 7) * DAY + self.between(0, 3599)
        reason = "duplicate registration of someone already enrolled"
        self._retract(second, event_id, f"{prefix}-ret", operator, reason)

    def _discover(self, day: int, action: Action) -> None:
        """A ghost registration found months later: retract its payments, then its enrolment."""
        del self.mcw_active[action.district][action.beneficiary]
        enrolment, *payments = self.ghost_events.pop(action.beneficiary)
        supervisor = self.operators[action.district][0]
        second = self._at(day, self.between(15, 25))  # after every payment upload is recorded
        for event_id in reversed(payments):
            self._retract(second, event_id, "mcw-ret", supervisor, "paid to a duplicate registration")
            second += 1
        reason = "duplicate registration: the household is enrolled under another id"
        self._retract(second, enrolment, "mcw-ret", supervisor, reason)

    # -------------------------------------------------------------------- School Meals

    def _school_meals_targets(self) -> dict[str, int]:
        """Each final district's roll on AS_OF, summing exactly to the calibrated figure."""
        districts = list(dict.fromkeys(d for _, _, d in self.spells[SCHOOL_MEALS]))
        assert len(districts) == SCHOOL_MEALS_DISTRICTS
        weights = [0.6 + 0.8 * self.rand() for _ in districts]
        total = self.targets.school_meals_active - len(districts)
        return {d: 1 + n for d, n in zip(districts, _allocate(total, weights), strict=True)}

    def _roll(self, district: str, school_year: int) -> float:
        return self.sm_target[district] * ROLL_GROWTH ** (school_year - AS_OF.year)

    def _room(self, district: str) -> int:
        """How many more 2025 children fit under the district's target, keeping a reserve."""
        target = self.sm_target[district]
        reserve = max(1, round(target * FINAL_RESERVE))
        return max(0, target - self.sm_final[district] - reserve)

    def _sm_initial_roll(self, day: int, district: str) -> None:
        """A newly covered district enrols its whole primary roll within 40 days."""
        today = date.fromordinal(day)
        school_year = today.year if today.month >= 8 else today.year - 1
        size = round(self._roll(district, school_year))
        if school_year >= AS_OF.year:
            size = min(size, self._room(district))
        for grade, n in enumerate(_allocate(size, GRADE_SHARES), start=1):
            for _ in range(n):
                self._sm_child(day + self.between(0, 40), district, grade, school_year)

    def _sm_intake(self, day: int) -> None:
        """September: grade-1 entrants, plus late entrants to grades 2-5 during the year."""
        year = date.fromordinal(day).year
        late_from, late_to = date(year, 10, 1).toordinal(), date(year + 1, 3, 31).toordinal()
        for start, _, district in self.spells[SCHOOL_MEALS]:
            if start >= day:
                continue
            roll = self._roll(district, year)
            entrants = round(roll / 5 * GRADE_SHARES[0])
            if year >= AS_OF.year:  # the last intake leaves room for the top-up only
                entrants = min(entrants, self._room(district))
            for _ in range(entrants):
                self._sm_child(day + self.between(0, 39), district, 1, year)
            if year < AS_OF.year:
                for _ in range(round(roll * LATE_ENTRANTS)):
                    self._sm_child(self.between(late_from, late_to), district, self.between(2, 5), year)

    def _sm_top_up(self, day: int) -> None:
        """Late 2025 entrants bring every district exactly to its target for AS_OF."""
        first, last = TOP_UP_FROM.toordinal(), TOP_UP_TO.toordinal()
        # Entrants from TOP_UP_FROM cannot leave before AS_OF (MIN_GAP), so each one counts.
        assert day < first and first + MIN_GAP > AS_OF_ORD
        for district, target in self.sm_target.items():
            while self.sm_final[district] < target:
                self._sm_child(self.between(first, last), district, self.between(1, 5), AS_OF.year)

    def _year_end(self, district: str, year: int) -> int:
        """The last day of a school year (in June of `year`), one date per province."""
        key = (self.province_of[district], year)
        end = self.year_ends.get(key)
        if end is None:
            end = self.year_ends[key] = date(year, 6, self.between(1, 12)).toordinal()
        return end

    def _sm_birth(self, day: int, grade: int) -> int:
        """A birth date making the child 6-11 on entry, older than the grade for late starters."""
        r = self.rand()
        age = min(11, 5 + grade + (0 if r < 0.70 else 1 if r < 0.92 else 2))
        today = date.fromordinal(day)
        newest = _years_later(day, -age)
        if today.month == 2 and today.day == 29:
            newest = date(today.year - age, 2, 28).toordinal()
        oldest = _years_later(day, -age - 1) + 1
        birth = self.between(oldest, newest)
        return birth if _age(birth, day) == age else newest

    def _sm_end(self, day: int, district: str, grade: int, school_year: int, birth: int) -> tuple[int, str]:
        """When and why the child leaves: graduating after grade 5, or aging out at 12."""
        r = self.rand()
        years = 5 - grade + (0 if r < 0.75 else 1 if r < 0.93 else 2)  # repeated grades
        twelfth = _years_later(birth, 12)
        k = 0
        while True:
            end = self._year_end(district, school_year + 1 + k)
            if end < day + MIN_GAP:
                years += 1  # entered too late in the year to be promoted
            elif k >= years:
                return end, "graduated"
            elif end >= twelfth:
                return end, "aged-out"
            k += 1

    def _sm_child(self, day: int, district: str, grade: int, school_year: int) -> None:
        """Plan one child's enrolment, moves and exit, and count it if active on AS_OF."""
        expo = self.rng.expovariate
        ben = self._serial("SM", district, 7)
        birth = self._sm_birth(day, grade)
        sex = "F" if self.rand() < 0.49 else "M"
        end, reason = self._sm_end(day, district, grade, school_year, birth)
        mistake = self._mistake(day, SCHOOL_MEALS, district)
        steps = [(day, Action("enrol", SCHOOL_MEALS, ben, district, mistake, sex, birth))]
        here = district
        moved = day + int(expo(0.035) * 365)
        dropped = day + int(expo(0.065) * 365)
        died = day + int(expo(0.0005) * 365)
        when = min(moved, dropped, died)
        if day + MIN_GAP <= when <= end - MIN_GAP:
            if when == moved:
                target = self._other_district(SCHOOL_MEALS, when, here)
                if target is None or self.rand() < 0.5:
                    end, reason = when, "moved-away"
                else:
                    steps.append((when, Action("transfer", SCHOOL_MEALS, ben, target, here)))
                    here = target
            elif when == dropped:
                steps.append((when, Action("exit", SCHOOL_MEALS, ben, here, "withdrew")))
                back = when + self.between(120, 300)
                if self.rand() < 0.2 and back <= end - MIN_GAP:  # back at school next year
                    steps.append((back, Action("enrol", SCHOOL_MEALS, ben, here, "", sex, birth)))
                else:
                    end = NEVER
            else:
                end, reason = when, "deceased"
        if end != NEVER:
            steps.append((end, Action("exit", SCHOOL_MEALS, ben, here, reason)))
        self._schedule(day, SCHOOL_MEALS, steps)

    def _mistake(self, day: int, programme: str, district: str) -> str:
        """Now and then the operator keys a wrong district first (corrected by retraction)."""
        if self.rand() >= WRONG_DISTRICT_RATE or day > AS_OF_ORD - 21:
            return ""
        wrong = self._other_district(programme, day, district)
        return f"wrong:{wrong}" if wrong else ""

    def _schedule(self, day: int, programme: str, steps: list[tuple[int, Action]]) -> None:
        """Push a planned life course; count School Meals children active on AS_OF."""
        state = ""
        for when, action in steps:
            self._push(when, action)
            if when <= AS_OF_ORD:
                state = action.district if action.kind != "exit" else ""
        if programme == SCHOOL_MEALS and state:
            self.sm_final[state] += 1
        if self.rand() < DUPLICATE_REGISTRATION_RATE:
            first = steps[0][1]
            width = 7 if programme == SCHOOL_MEALS else 6
            ben = self._serial(first.beneficiary.split("-")[0], first.district, width)
            later = min(AS_OF_ORD, day + self.between(0, 15))
            duplicate = first._replace(kind="duplicate", beneficiary=ben, detail="")
            self._push(later, duplicate)

    # ----------------------------------------------------------------------------- MCW

    def _mcw_cells(self) -> dict[int, list[tuple[str, int, int, int]]]:
        """Enrolments per month and district: (district, first day, last day, count)."""
        pilot_open = MCW_PILOT_START.toordinal() + OPEN_DELAY
        pilot_end = MCW_FIRST_PAYMENT.toordinal() - PAY_AFTER  # the 982 paid on 12 August
        cells: list[tuple[int, str, int, int]] = []
        weights: list[float] = []
        for start, end, district in self.spells[MCW]:
            # Earlier districts are the larger ones: the roll-out starts where need is greatest.
            weight = (0.6 + 0.9 * self.rand()) * EARLY_WEIGHT[date.fromordinal(start).year]
            if district == MCW_FIRST_PAYMENT_DISTRICT:
                start = pilot_end + 1
            opened = date.fromordinal(start)
            month = opened.replace(day=1)
            while month <= AS_OF:
                following = _add_months(month, 1)
                first = max(start, month.toordinal())
                last = min(end - 1, following.toordinal() - 1, AS_OF_ORD)
                if first <= last:
                    # A registration campaign catches up with the backlog in the first months.
                    months_open = (month.year - opened.year) * 12 + month.month - opened.month
                    campaign = 3.0 if months_open < 2 else 1.0
                    cells.append((month.toordinal(), district, first, last))
                    weights.append(weight * (last - first + 1) / 30 * campaign)
                month = following
        t = self.targets
        counts = _allocate(t.mcw_ever_enrolled - t.mcw_first_payment_beneficiaries, weights)
        by_month: dict[int, list[tuple[str, int, int, int]]] = {
            MCW_PILOT_START.replace(day=1).toordinal(): [
                (MCW_FIRST_PAYMENT_DISTRICT, pilot_open, pilot_end, t.mcw_first_payment_beneficiaries)
            ]
        }
        for (month_ord, district, first, last), n in zip(cells, counts, strict=True):
            by_month.setdefault(month_ord, []).append((district, first, last, n))
        return by_month

    def _payment_rounds(self) -> dict[int, list[str]]:
        """Bimonthly pay days per district: the pilot's fixed, the others' day drawn 5-25."""
        fixed = {
            MCW_FIRST_PAYMENT_DISTRICT: MCW_FIRST_PAYMENT,
            MCW_PILOT_DISTRICTS[1]: MCW_NONG_FIRST_PAYMENT,
        }
        rounds: dict[int, list[str]] = {}
        for start, _, district in self.spells[MCW]:
            pay = fixed.get(district)
            if pay is None:
                opened = date.fromordinal(start + MIN_GAP)
                pay = opened.replace(day=self.between(5, 25))
                if pay < opened:
                    pay = _add_months(pay, 1)
            while pay <= AS_OF:
                rounds.setdefault(pay.toordinal(), []).append(district)
                pay = _add_months(pay, 2)
        return rounds

    def _mcw_month(self, month: date) -> None:
        """Plan the month's MCW enrolments in every covered district."""
        pilot = month == MCW_PILOT_START.replace(day=1)
        for district, first, last, n in self.mcw_cells.get(month.toordinal(), []):
            first_cohort = pilot and district == MCW_FIRST_PAYMENT_DISTRICT
            for _ in range(n):
                self._mcw_beneficiary(self.between(first, last), district, first_cohort)
                if self.rand() < GHOST_RATE and not pilot:
                    self._mcw_ghost(self.between(first, last), district)

    def _mcw_beneficiary(self, day: int, district: str, first_cohort: bool) -> None:
        """Plan one pregnancy or infant from enrolment to the child's second birthday."""
        expo = self.rng.expovariate
        ben = self._serial("MCW", district, 6)
        if self.rand() < 0.6:  # enrolled while pregnant: no birth date yet, the mother is F
            sex, birth, born = "F", 0, day + self.between(30, 240)
        else:  # enrolled with an infant under 15 months: the child's sex and birth date
            sex, birth = ("F" if self.rand() < 0.49 else "M"), day - self.between(0, 450)
            born = birth
        end = _years_later(born, 2)
        mistake = "" if first_cohort else self._mistake(day, MCW, district)
        steps = [(day, Action("enrol", MCW, ben, district, mistake, sex, birth))]
        earliest = day + MIN_GAP
        if first_cohort:  # all 982 pilot enrolees are still active at the first payment
            earliest = max(earliest, MCW_FIRST_PAYMENT.toordinal() + 1)
        moved = day + int(expo(0.025) * 365)
        left = day + int(expo(0.006) * 365)
        when = min(moved, left)
        if earliest <= when <= end - MIN_GAP:
            if when == moved:
                end = self._mcw_move(when, end, steps)
            else:
                r = self.rand()
                reason = "withdrew" if r < 0.4 else "ineligible" if r < 0.7 else "deceased"
                steps.append((when, Action("exit", MCW, ben, district, reason)))
                end = NEVER
        if end != NEVER:
            steps.append((end, Action("exit", MCW, ben, steps[-1][1].district, "aged-out")))
        self._schedule(day, MCW, steps)

    def _mcw_move(self, when: int, end: int, steps: list[tuple[int, Action]]) -> int:
        """A move: transferred within the province, or exited (a quarter come back later)."""
        enrolment = steps[0][1]
        ben, district = enrolment.beneficiary, enrolment.district
        target = self._other_district(MCW, when, district) if self.rand() < 0.35 else None
        if target is not None and self.province_of[target] == self.province_of[district]:
            steps.append((when, Action("transfer", MCW, ben, target, district)))
            return end
        steps.append((when, Action("exit", MCW, ben, district, "moved-away")))
        back = when + self.between(60, 180)
        if self.rand() < 0.25 and back <= end - MIN_GAP and district in self._open(MCW, back):
            steps.append((back, enrolment._replace(detail="")))
            return end
        return NEVER

    def _mcw_ghost(self, day: int, district: str) -> None:
        """A registration later found to duplicate another household: paid, then retracted."""
        found = day + self.between(100, 250)
        if found > AS_OF_ORD - 30:
            return
        ben = self._serial("MCW", district, 6)
        sex, birth = ("F" if self.rand() < 0.49 else "M"), day - self.between(0, 300)
        self._push(day, Action("enrol", MCW, ben, district, "ghost", sex, birth))
        self._push(found, Action("discover", MCW, ben, district))

    def _pay_round(self, day: int, district: str) -> None:
        """Pay everyone enrolled a month or more ago, as one bulk upload by one operator."""
        due = day - PAY_AFTER
        payees = [b for b, enrolled in self.mcw_active.get(district, {}).items() if enrolled <= due]
        if not payees:
            return
        operator = self._operator(district)
        start = (day + self.between(1, 14)) * DAY + OFFICE_OPENS + self.between(0, 3 * 3600)
        span = min(len(payees), 6 * 3600)  # the upload takes at most six hours
        period = _iso(day)[:7]
        clean = day == MCW_FIRST_PAYMENT.toordinal()  # the calibrated first round stays clean
        stem = f"PAY-{district}-{_iso(day).replace('-', '')}"
        ghosts, rand, record = self.ghost_events, self.rand, self._record
        for i, ben in enumerate(payees):
            second = start + i * span // len(payees)
            fields: Event = {
                "programme": MCW,
                "beneficiary": ben,
                "payment": f"{stem}-{i + 1:06d}",
                "amount": MCW_PAYMENT_AMOUNT,
                "period": period,
            }
            event_id = record(second, PAID, day, "mcw-pay", operator, fields)
            if ben in ghosts:
                ghosts[ben].append(event_id)
            elif not clean and rand() < DUPLICATE_PAYMENT_RATE + REVERSAL_RATE:
                self._payment_mistake(day, second, district, operator, fields)

    def _payment_mistake(self, day: int, second: int, district: str, operator: str, fields: Event) -> None:
        """A duplicate upload (retracted) or a transfer returned by the pay point (reversed)."""
        if self.rand() < DUPLICATE_PAYMENT_RATE / (DUPLICATE_PAYMENT_RATE + REVERSAL_RATE):
            duplicate = {**fields, "payment": f"{fields['payment']}-DUP"}
            dup_id = self._record(second, PAID, day, "mcw-pay", operator, duplicate)
            noticed = second + self.between(3, 15) * DAY + self.between(0, 3599)
            self._retract(noticed, dup_id, "mcw-ret", operator, "duplicate upload of a payment")
            return
        returned = day + self.between(20, 45)  # after the upload is recorded (≤ 15 days)
        if returned > AS_OF_ORD:
            return
        at = self._at(returned, self.between(1, 10))
        reversal: Event = {
            "programme": MCW,
            "payment": fields["payment"],
            "reason": "returned: not collected at the pay point",
        }
        reversal_id = self._record(
            at, "PaymentReversed", returned, "mcw-rev", self._operator(district), reversal
        )
        if self.rand() < REVERSAL_RETRACTED_RATE:
            noticed = at + self.between(2, 15) * DAY + self.between(0, 3599)
            reason = "reversal recorded in error: the transfer was collected"
            self._retract(noticed, reversal_id, "mcw-ret", operator, reason)


def generate(scale: float = 1.0, seed: int = 2021) -> Iterator[dict[str, object]]:
    """Yield the sample history as event-log-v1 objects, in recording order."""
    return _History(scale, seed).run()


def _write_lines(out: Callable[[bytes], object], events: Iterator[Event]) -> int:
    """Write compact JSON lines in chunks; returns the line count."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    count = 0
    chunk: list[str] = []
    for event in events:
        chunk.append(dumps(event))
        count += 1
        if len(chunk) == 20_000:
            out(("\n".join(chunk) + "\n").encode("utf-8"))
            chunk.clear()
    if chunk:
        out(("\n".join(chunk) + "\n").encode("utf-8"))
    return count


def write(path: Path, scale: float = 1.0, seed: int = 2021) -> int:
    """Write the history as JSON lines (.jsonl, or gzipped .jsonl.gz); returns the line count."""
    events = generate(scale, seed)
    with path.open("wb") as raw:
        if not path.name.endswith(".gz"):
            return _write_lines(raw.write, events)
        # mtime=0 and no file name in the header keep the output byte-identical across runs.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=3, mtime=0) as gz:
            return _write_lines(gz.write, events)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the sample history to a file and report how long it took."""
    parser = argparse.ArgumentParser(
        prog="python -m replay_data.generator",
        description="Write the calibrated 2021-2025 Lao sample history as event log v1.",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="population multiplier")
    parser.add_argument("--seed", type=int, default=2021, help="random seed")
    parser.add_argument("--out", type=Path, required=True, help="FILE.jsonl or FILE.jsonl.gz")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    count = write(args.out, args.scale, args.seed)
    print(f"wrote {count:,} events to {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
