"""Random histories recorded through the real ledger: every operation is offered to the ledger and
kept only if it accepts it, so each history obeys SPEC §3 as the ledger enforces it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.errors import BatchRefused

PROGRAMMES = {"mcw": "cash", "meals": "in-kind"}
DISTRICTS = ("1703", "1701", "1306", "0101")  # two in Attapeu (17), Nong and Vientiane Capital
BENEFICIARIES = ("b1", "b2", "b3", "b4", "b5", "b6")
START = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
EARLIEST = dt.date(2020, 10, 1)

_gaps = st.sampled_from([0, 0, 0, 1, 2, 5, 13, 31, 60])  # days between recordings
_lags = st.sampled_from([0, 0, 0, 1, 3, 20, 45, 120, 400])  # days an event is back-dated
_birth = st.one_of(st.none(), st.dates(dt.date(1950, 1, 1), dt.date(2021, 6, 30)))


@dataclass
class Guess:
    registered: set[str] = field(default_factory=set)
    covered: dict[str, set[str]] = field(default_factory=dict)
    active: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class History:
    """What the ledger accepted, in order."""

    ledger: Ledger
    clock: dt.datetime = START
    floor: dt.date = EARLIEST  # after the first registration: its effective date
    serial: int = 0
    accepted: list[dict[str, Any]] = field(default_factory=list)
    payments: list[tuple[str, str]] = field(default_factory=list)

    def guess(self) -> Guess:
        """A rough idea of the current state: the accepted events in recording order, ignoring
        back-dating and retractions (good enough to aim operations; the ledger decides)."""
        guess = Guess()
        retracted = {line["retracts"] for line in self.accepted if "retracts" in line}
        for line in self.accepted:
            if line["id"] in retracted:
                continue
            event, programme = line["event"], line.get("programme", "")
            if event == "ProgrammeRegistered":
                guess.registered.add(programme)
            elif event == "DistrictExpanded":
                guess.covered.setdefault(programme, set()).add(line["district"])
            elif event == "DistrictWithdrawn":
                guess.covered.setdefault(programme, set()).discard(line["district"])
            elif event in ("BeneficiaryEnrolled", "BeneficiaryTransferred"):
                guess.active.setdefault(programme, {})[line["beneficiary"]] = line["district"]
            elif event == "BeneficiaryExited":
                guess.active.setdefault(programme, {}).pop(line["beneficiary"], None)
        return guess

    def offer(self, obj: dict[str, Any], data: st.DataObject) -> bool:
        """Stamp `obj` with a recorded time and an effective date, and try to record it."""
        self.clock += dt.timedelta(days=data.draw(_gaps), seconds=data.draw(st.integers(0, 86399)))
        lag = dt.timedelta(days=data.draw(_lags))
        effective = max(self.floor, self.clock.date() - lag)
        self.serial += 1
        line = {
            **obj,
            "id": f"e{self.serial}",
            "effective_date": effective.isoformat(),
            "recorded_at": self.clock.isoformat(),
        }
        try:
            self.ledger.record_dicts([line], operator="test", historical=True)
        except BatchRefused:
            return False
        self.accepted.append(line)
        if len(self.accepted) == 1:
            self.floor = effective
        if line["event"] == "PaymentRecorded":
            self.payments.append((line["programme"], line["payment"]))
        return True


def operation(history: History, data: st.DataObject) -> dict[str, Any]:
    """One random operation, usually aimed at what the history so far makes plausible (an
    enrolment in a covered district, a transfer of an active beneficiary...) so that many are
    accepted; back-dating and retractions still get a fair share refused."""
    programme = data.draw(st.sampled_from(sorted(PROGRAMMES)))
    guess = history.guess()
    covered = sorted(guess.covered.get(programme, set())) or list(DISTRICTS)
    active = sorted(guess.active.get(programme, {}))
    idle = [b for b in BENEFICIARIES if b not in active]
    kind = data.draw(
        st.sampled_from(
            ["enrol", "expand", "pay", "transfer", "enrol", "transfer", "exit", "pay", "enrol",
             "withdraw", "transfer", "reverse", "exit", "register", "expand", "retract", "pay"]
        )
    )
    if kind == "register" or programme not in guess.registered:
        return {"event": "ProgrammeRegistered", "programme": programme, "name": programme,
                "benefit": PROGRAMMES[programme]}
    if kind == "expand":
        return {"event": "DistrictExpanded", "programme": programme,
                "district": data.draw(st.sampled_from(DISTRICTS))}
    where = guess.active.get(programme, {})
    if kind == "withdraw":
        empty = [d for d in covered if d not in where.values()]
        return {"event": "DistrictWithdrawn", "programme": programme,
                "district": data.draw(st.sampled_from(empty or covered))}
    if kind == "transfer" and active:
        beneficiary = data.draw(st.sampled_from(active))
        elsewhere = [d for d in covered if d != where[beneficiary]]
        if not elsewhere:  # somewhere to move to, next time
            uncovered = [d for d in DISTRICTS if d not in covered]
            return {"event": "DistrictExpanded", "programme": programme,
                    "district": data.draw(st.sampled_from(uncovered or list(DISTRICTS)))}
        return {"event": "BeneficiaryTransferred", "programme": programme,
                "beneficiary": beneficiary, "district": data.draw(st.sampled_from(elsewhere))}
    if kind == "exit" and active:
        return {"event": "BeneficiaryExited", "programme": programme,
                "beneficiary": data.draw(st.sampled_from(active)), "reason": "graduated"}
    paid = sorted(guess.active.get("mcw", {}))
    if kind == "pay" and paid:
        return {"event": "PaymentRecorded", "programme": "mcw",
                "beneficiary": data.draw(st.sampled_from(paid)),
                "payment": f"p{history.serial + 1}",
                "amount": data.draw(st.sampled_from(["150000", "300000", "0.01", "1234.5"])),
                "period": data.draw(st.sampled_from(["2020-12", "2021-01", "2021-02"]))}
    if kind == "reverse" and history.payments:
        paid_programme, payment = data.draw(st.sampled_from(history.payments))
        return {"event": "PaymentReversed", "programme": paid_programme, "payment": payment,
                "reason": "duplicate"}
    if kind == "retract" and len(history.accepted) > 1:
        target = data.draw(st.sampled_from(history.accepted[1:]))
        return {"event": "EventRetracted", "retracts": target["id"], "reason": "mistake"}
    obj = {"event": "BeneficiaryEnrolled", "programme": programme,
           "beneficiary": data.draw(st.sampled_from(idle or list(BENEFICIARIES))),
           "district": data.draw(st.sampled_from(covered)),
           "sex": data.draw(st.sampled_from(["F", "M"]))}
    birth = data.draw(_birth)
    if birth is not None:
        obj["birth_date"] = birth.isoformat()
    return obj


def record_random_history(
    ledger: Ledger, data: st.DataObject, steps: int, after_step: Callable[[], Any] | None = None
) -> History:
    """The cash programme first, then `steps` random operations (some refused); `after_step`
    runs after a random half of them (to update projections incrementally, say)."""
    history = History(ledger)
    history.offer({"event": "ProgrammeRegistered", "programme": "mcw", "name": "MCW",
                   "benefit": "cash"}, data)
    for _ in range(steps):
        history.offer(operation(history, data), data)
        if after_step is not None and data.draw(st.booleans()):
            after_step()
    return history
