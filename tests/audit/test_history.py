"""`history` gives an auditor the full trail of a beneficiary, a programme or a district, with the
retractions and reversals known at the time asked about — on both stores."""

from __future__ import annotations

import datetime as dt

from audit_support import SECOND, record_pilot

from ledger.application import Ledger
from ledger.audit.history import Subject, Window, history


def _ids(ledger: Ledger, subject: Subject, window: Window | None = None) -> list[str]:
    return [entry.id for entry in history(ledger.store, subject, window or Window())]


def test_positions_follow_the_order_of_recording(ledger: Ledger) -> None:
    record_pilot(ledger)
    entries = history(ledger.store, Subject())
    assert [e.position for e in entries] == list(range(1, 17))
    assert entries[0].id == "reg-mcw" and entries[-1].id == "enr-meals-b1"


def test_a_beneficiary_in_every_programme_or_in_one(ledger: Ledger) -> None:
    record_pilot(ledger)
    assert _ids(ledger, Subject(beneficiary="B1")) == ["enr-b1", "pay-b1-1", "enr-meals-b1"]
    assert _ids(ledger, Subject(programme="mcw", beneficiary="B1")) == ["enr-b1", "pay-b1-1"]


def test_each_entry_says_when_who_and_where(ledger: Ledger) -> None:
    record_pilot(ledger)
    first = history(ledger.store, Subject(beneficiary="B1"))[0]
    assert first.position == 4
    assert first.effective_date == dt.date(2021, 7, 1)
    assert first.recorded_at == dt.datetime.fromisoformat("2021-07-31T10:00:00+07:00")
    assert first.operator == "vientiane.hq"
    assert (first.event, first.programme, first.district) == ("BeneficiaryEnrolled", "mcw", "1703")
    assert first.detail == "sex F, born 1995-03-02"


def test_a_reversed_payment_names_its_reversal(ledger: Ledger) -> None:
    record_pilot(ledger)
    entries = {e.id: e for e in history(ledger.store, Subject(beneficiary="B2"))}
    assert list(entries) == ["enr-b2", "pay-b2-1", "tr-b2", "rev-p2"]
    assert entries["pay-b2-1"].reversed_by == "rev-p2"
    assert entries["rev-p2"].detail == "reverses payment P2: duplicate"


def test_a_retracted_event_names_its_retraction_from_when_it_was_recorded(ledger: Ledger) -> None:
    record_pilot(ledger)
    now = history(ledger.store, Subject(beneficiary="B4"))
    assert [(e.id, e.retracted_by) for e in now] == [("enr-b4", "ret-b4"), ("ret-b4", None)]
    known_then = dt.datetime.fromisoformat(SECOND)
    before = history(ledger.store, Subject(beneficiary="B4"), Window(known_at=known_then))
    assert [(e.id, e.retracted_by) for e in before] == [("enr-b4", None)]
    assert before[0].note == "paper form found late"


def test_as_of_keeps_what_was_effective_by_then(ledger: Ledger) -> None:
    record_pilot(ledger)
    window = Window(as_of=dt.date(2021, 9, 30))
    entries = history(ledger.store, Subject(beneficiary="B2"), window)
    assert [(e.id, e.reversed_by) for e in entries] == [
        ("enr-b2", None), ("pay-b2-1", None), ("tr-b2", None),
    ]


def test_a_programme(ledger: Ledger) -> None:
    record_pilot(ledger)
    assert _ids(ledger, Subject(programme="school-meals")) == [
        "reg-meals", "exp-meals-1306", "enr-meals-b1",
    ]
    assert len(history(ledger.store, Subject(programme="mcw"))) == 13


def test_a_district_follows_beneficiaries_in_and_out(ledger: Ledger) -> None:
    record_pilot(ledger)
    assert _ids(ledger, Subject(district="1306")) == [
        "exp-1306", "enr-b3", "tr-b2", "exit-b3", "exp-meals-1306", "enr-meals-b1",
    ]
    # B2's transfer takes it out of 1703; B4's enrolment there was retracted.
    assert _ids(ledger, Subject(district="1703")) == [
        "exp-1703", "enr-b1", "enr-b2", "tr-b2", "enr-b4", "ret-b4",
    ]


def test_options_narrow_each_other(ledger: Ledger) -> None:
    record_pilot(ledger)
    assert _ids(ledger, Subject(programme="mcw", district="1306")) == [
        "exp-1306", "enr-b3", "tr-b2", "exit-b3",
    ]
    assert _ids(ledger, Subject(beneficiary="B2", district="1306")) == ["tr-b2"]
    assert _ids(ledger, Subject(district="1306"), Window(as_of=dt.date(2021, 9, 10))) == [
        "exp-1306", "enr-b3", "tr-b2", "exp-meals-1306", "enr-meals-b1",
    ]


def test_nothing_for_an_unknown_subject(ledger: Ledger) -> None:
    record_pilot(ledger)
    assert history(ledger.store, Subject(beneficiary="nobody")) == []
    assert history(ledger.store, Subject(district="0101")) == []
