"""Retractions: a mistaken fact stops counting, only if the timeline without it still holds."""

from __future__ import annotations

import pytest
from pilot import NONG, SANAMXAY, day, enrol, ids, meta, pay, pilot

from ledger.domain.errors import RuleViolation


def test_a_retracted_payment_no_longer_counts_but_stays_in_the_record() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    pay(enrolment, "P-1", on="2021-08-12")

    enrolment.retract("P-1", "paid twice", meta("retraction", "2021-08-20"))

    assert enrolment.state.payments == {}
    assert ids(enrolment.facts()) == ["enrolled"]
    assert ids(enrolment.events) == ["enrolled", "P-1", "retraction"]
    retraction = enrolment.retraction_of("P-1")
    assert retraction is not None and retraction.event_id == "retraction"


def test_an_event_is_retracted_only_once() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    pay(enrolment, "P-1", on="2021-08-12")
    enrolment.retract("P-1", "paid twice", meta("retraction", "2021-08-20"))

    with pytest.raises(RuleViolation) as refused:
        enrolment.retract("P-1", "again", meta("second-retraction", "2021-08-21"))

    assert (refused.value.rule, refused.value.field) == (8, "retracts")
    assert refused.value.contradicts == "retraction"


def test_a_retraction_is_not_itself_retracted() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    pay(enrolment, "P-1", on="2021-08-12")
    enrolment.retract("P-1", "paid twice", meta("retraction", "2021-08-20"))

    with pytest.raises(RuleViolation) as refused:
        enrolment.retract("retraction", "it was right", meta("undo", "2021-08-21"))

    assert (refused.value.rule, refused.value.field) == (8, "retracts")
    assert "record the fact again" in refused.value.message


def test_an_unknown_event_is_not_retracted() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")

    with pytest.raises(RuleViolation) as refused:
        enrolment.retract("no-such-event", "mistake", meta("retraction", "2021-08-20"))

    assert (refused.value.rule, refused.value.field) == (8, "retracts")


def test_an_enrolment_with_payments_is_not_retracted_before_them() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    pay(enrolment, "P-1", on="2021-08-12")

    with pytest.raises(RuleViolation) as refused:
        enrolment.retract("enrolled", "wrong person", meta("retraction", "2021-08-20"))

    assert (refused.value.rule, refused.value.field) == (8, "retracts")
    assert refused.value.contradicts == "P-1"
    assert "PaymentRecorded 'P-1' effective 2021-08-12" in refused.value.message
    assert enrolment.state.active is not None


def test_retracting_the_payments_first_lets_the_enrolment_be_retracted() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    pay(enrolment, "P-1", on="2021-08-12")

    enrolment.retract("P-1", "wrong person", meta("payment-retracted", "2021-08-20"))
    enrolment.retract("enrolled", "wrong person", meta("enrolment-retracted", "2021-08-20"))

    assert enrolment.facts() == []
    assert enrolment.state.active is None


def test_a_reversed_payment_is_not_retracted_before_its_reversal() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    pay(enrolment, "P-1", on="2021-08-12")
    enrolment.reverse("P-1", "returned", meta("reversed", "2021-09-01"))

    with pytest.raises(RuleViolation) as refused:
        enrolment.retract("P-1", "never paid", meta("retraction", "2021-09-02"))

    assert (refused.value.rule, refused.value.field) == (8, "retracts")
    assert refused.value.contradicts == "reversed"


def test_retracting_an_exit_is_refused_when_the_district_was_withdrawn_after_it() -> None:
    programme = pilot()
    enrolment = enrol(programme, "B-1", NONG, on="2021-06-20", event_id="enrolled")
    enrolment.exit("moved-away", meta("exited", "2021-12-01"))
    programme.withdraw(NONG, meta("nong-withdrawn", "2022-01-01"), [enrolment])

    with pytest.raises(RuleViolation) as refused:
        enrolment.retract("exited", "she never left", meta("retraction", "2022-02-01"))

    assert (refused.value.rule, refused.value.field) == (8, "retracts")
    assert refused.value.contradicts == "nong-withdrawn"


def test_an_expansion_is_not_retracted_while_beneficiaries_depend_on_it() -> None:
    programme = pilot()
    enrolment = enrol(programme, "B-1", NONG, on="2021-06-20", event_id="enrolled")

    with pytest.raises(RuleViolation) as refused:
        programme.retract("nong-expanded", "wrong district", meta("retraction", "2021-07-01"),
                          [enrolment])

    assert (refused.value.rule, refused.value.field) == (8, "retracts")
    assert refused.value.contradicts == "enrolled"
    assert NONG in programme.state.coverage and programme.state.coverage[NONG].open is not None


def test_an_expansion_nobody_depends_on_is_retracted() -> None:
    programme = pilot()

    programme.retract("nong-expanded", "wrong district", meta("retraction", "2021-07-01"), [])

    assert ids(programme.facts()) == ["registered", "sanamxay-expanded"]
    assert programme.state.districts_covered_on(day("2021-07-01")) == [SANAMXAY]


def test_a_registration_is_not_retracted_while_facts_of_the_programme_depend_on_it() -> None:
    programme = pilot()
    enrolment = enrol(programme, "B-1", NONG, on="2021-06-20", event_id="enrolled")

    with pytest.raises(RuleViolation) as refused:
        programme.retract("registered", "duplicate programme", meta("retraction", "2021-07-01"),
                          [enrolment])

    assert (refused.value.rule, refused.value.field) == (8, "retracts")
    assert refused.value.contradicts == "sanamxay-expanded"  # the first fact that depends on it
    assert "breaks rule 1" in refused.value.message


def test_an_expansion_is_not_retracted_under_a_beneficiary_who_passed_through_that_day() -> None:
    programme = pilot()
    enrolment = enrol(programme, "B-1", SANAMXAY, on="2021-07-01", event_id="enrolled")
    enrolment.transfer(NONG, meta("moved", "2021-07-01"))  # enrolled and moved on the same day

    with pytest.raises(RuleViolation) as refused:
        programme.retract("sanamxay-expanded", "wrong district", meta("retraction", "2021-08-01"),
                          [enrolment])

    assert (refused.value.rule, refused.value.field) == (8, "retracts")
    assert refused.value.contradicts == "enrolled"
