"""A timeline's facts are folded in order of effective date, ties broken by recording order."""

from __future__ import annotations

import pytest
from pilot import NONG, SANAMXAY, XAYSETTHA, day, enrol, ids, meta, pay, pilot, register

from ledger.domain.errors import RuleViolation


def test_facts_are_folded_by_effective_date_whatever_order_they_were_recorded_in() -> None:
    programme = register()
    programme.expand(NONG, meta("nong", "2021-09-01"))
    programme.expand(SANAMXAY, meta("sanamxay", "2021-06-18"))  # back-dated, recorded second

    assert ids(programme.events) == ["registered", "nong", "sanamxay"]
    assert ids(programme.facts()) == ["registered", "sanamxay", "nong"]
    assert programme.state.districts_covered_on(day("2021-07-01")) == [SANAMXAY]
    assert programme.state.districts_covered_on(day("2021-09-01")) == [NONG, SANAMXAY]


def test_facts_of_the_same_day_are_folded_in_the_order_they_were_recorded() -> None:
    programme = pilot()
    # Sanamxay withdrawn and expanded again on the same day: the expansion, recorded last, wins.
    programme.withdraw(SANAMXAY, meta("sanamxay-withdrawn", "2021-07-01"), [])
    programme.expand(SANAMXAY, meta("sanamxay-again", "2021-07-01"))
    # Xaysettha expanded and withdrawn on the same day: the withdrawal, recorded last, wins.
    programme.expand(XAYSETTHA, meta("xaysettha-expanded", "2021-07-01"))
    programme.withdraw(XAYSETTHA, meta("xaysettha-withdrawn", "2021-07-01"), [])

    assert ids(programme.facts())[-4:] == [
        "sanamxay-withdrawn", "sanamxay-again", "xaysettha-expanded", "xaysettha-withdrawn",
    ]
    assert programme.state.districts_covered_on(day("2021-07-01")) == [NONG, SANAMXAY]


def test_a_payment_recorded_before_a_same_day_exit_stands_but_not_one_recorded_after() -> None:
    programme = pilot()
    paid_first = enrol(programme, "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled-1")
    pay(paid_first, "P-1", on="2021-08-12")
    paid_first.exit("moved-away", meta("exited-1", "2021-08-12"))

    exited_first = enrol(programme, "B-2", SANAMXAY, on="2021-06-20", event_id="enrolled-2")
    exited_first.exit("moved-away", meta("exited-2", "2021-08-12"))
    with pytest.raises(RuleViolation) as refused:
        pay(exited_first, "P-2", on="2021-08-12")

    assert ids(paid_first.facts()) == ["enrolled-1", "P-1", "exited-1"]
    assert (refused.value.rule, refused.value.field) == (6, "beneficiary")


def test_a_back_dated_transfer_reshapes_the_beneficiarys_presence() -> None:
    programme = pilot()
    enrolment = enrol(programme, "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    pay(enrolment, "P-1", on="2021-08-12")
    enrolment.transfer(NONG, meta("moved", "2021-07-01"))

    assert ids(enrolment.facts()) == ["enrolled", "moved", "P-1"]
    presence = [(p.district, p.start.isoformat(), p.end and p.end.isoformat())
                for p in enrolment.state.presence]
    assert presence == [(SANAMXAY, "2021-06-20", "2021-07-01"), (NONG, "2021-07-01", None)]
    assert enrolment.state.district == NONG


def test_a_refused_event_leaves_the_timeline_as_it_was() -> None:
    programme = pilot()
    enrolment = enrol(programme, "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    pay(enrolment, "P-1", on="2021-08-12")
    version, facts = enrolment.version, ids(enrolment.facts())

    with pytest.raises(RuleViolation):
        enrolment.exit("graduated", meta("too-early", "2021-07-01"))  # before the payment

    assert enrolment.version == version
    assert ids(enrolment.facts()) == facts
    assert enrolment.state.active is not None and enrolment.state.district == SANAMXAY
    assert ids(enrolment.collect_events()) == ["enrolled", "P-1"]  # nothing more pending
