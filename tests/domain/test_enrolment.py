"""An enrolment: one beneficiary's episodes, moves and payments in one programme."""

from __future__ import annotations

import decimal

import pytest
from pilot import NONG, SANAMXAY, XAYSETTHA, enrol, ids, meta, pay, pilot, register

from ledger.domain.errors import RuleViolation


def test_a_beneficiary_enrolled_in_a_covered_district_is_active_there() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled",
                      birth_date="2021-01-05")

    assert (enrolment.programme, enrolment.beneficiary) == ("mcw", "B-1")
    assert enrolment.state.active is not None
    assert enrolment.state.district == SANAMXAY


def test_enrolment_before_the_programme_is_registered_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        enrol(pilot(), "B-1", SANAMXAY, on="2021-05-20", event_id="too-early")

    assert (refused.value.rule, refused.value.field) == (1, "programme")


def test_enrolment_in_a_district_the_programme_does_not_cover_that_day_is_refused() -> None:
    programme = pilot()  # covers Sanamxay from 2021-06-18, never Xaysettha

    with pytest.raises(RuleViolation) as before_expansion:
        enrol(programme, "B-1", SANAMXAY, on="2021-06-17", event_id="day-before")
    with pytest.raises(RuleViolation) as elsewhere:
        enrol(programme, "B-2", XAYSETTHA, on="2021-07-01", event_id="elsewhere")

    for refused in (before_expansion, elsewhere):
        assert (refused.value.rule, refused.value.field) == (3, "district")


def test_an_active_beneficiary_is_not_enrolled_again() -> None:
    programme = pilot()
    enrolment = enrol(programme, "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")

    with pytest.raises(RuleViolation) as refused:
        enrol(programme, "B-1", NONG, on="2021-09-01", event_id="again", enrolment=enrolment)

    assert (refused.value.rule, refused.value.field) == (3, "beneficiary")
    assert refused.value.contradicts == "enrolled"


def test_a_beneficiary_who_exited_may_be_enrolled_again() -> None:
    programme = pilot()
    enrolment = enrol(programme, "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    enrolment.exit("moved-away", meta("exited", "2021-12-01"))
    enrol(programme, "B-1", NONG, on="2022-02-01", event_id="re-enrolled", enrolment=enrolment)

    assert enrolment.state.district == NONG
    assert ids(enrolment.facts()) == ["enrolled", "exited", "re-enrolled"]


def test_a_back_dated_enrolment_is_refused_naming_the_later_enrolment_it_contradicts() -> None:
    programme = pilot()
    enrolment = enrol(programme, "B-1", SANAMXAY, on="2021-07-01", event_id="enrolled")
    enrolment.exit("moved-away", meta("exited", "2021-08-01"))

    # Active from 2021-06-25, B-1 could not have been enrolled on 2021-07-01.
    with pytest.raises(RuleViolation) as refused:
        enrol(programme, "B-1", SANAMXAY, on="2021-06-25", event_id="earlier",
              enrolment=enrolment)

    assert refused.value.rule == 3
    assert refused.value.field == "effective_date"
    assert refused.value.contradicts == "enrolled"
    assert "BeneficiaryEnrolled 'enrolled' effective 2021-07-01" in refused.value.message


def test_a_birth_date_after_the_enrolment_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled",
              birth_date="2021-06-21")

    assert (refused.value.rule, refused.value.field) == (9, "birth_date")


def test_a_transfer_moves_an_active_beneficiary_to_another_covered_district() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    enrolment.transfer(NONG, meta("moved", "2021-09-01"))

    assert enrolment.state.district == NONG


def test_a_transfer_to_the_same_district_or_an_uncovered_one_is_refused() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")

    with pytest.raises(RuleViolation) as same:
        enrolment.transfer(SANAMXAY, meta("nowhere", "2021-09-01"))
    with pytest.raises(RuleViolation) as uncovered:
        enrolment.transfer(XAYSETTHA, meta("uncovered", "2021-09-01"))

    assert (same.value.rule, same.value.field) == (4, "district")
    assert (uncovered.value.rule, uncovered.value.field) == (4, "district")
    assert "does not cover district 1701 on 2021-09-01" in uncovered.value.message


def test_transfer_and_exit_are_refused_when_the_beneficiary_is_not_active() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    enrolment.exit("graduated", meta("exited", "2022-06-20"))

    with pytest.raises(RuleViolation) as transfer:
        enrolment.transfer(NONG, meta("moved", "2022-07-01"))
    with pytest.raises(RuleViolation) as exit_again:
        enrolment.exit("graduated", meta("exited-again", "2022-07-01"))
    with pytest.raises(RuleViolation) as before_enrolment:
        enrolment.exit("graduated", meta("exited-early", "2021-06-19"))

    for refused in (transfer, exit_again, before_enrolment):
        assert (refused.value.rule, refused.value.field) == (4, "beneficiary")


def test_a_back_dated_exit_is_refused_naming_the_later_payment_it_contradicts() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    pay(enrolment, "P-2021-08", on="2021-08-12")

    with pytest.raises(RuleViolation) as refused:
        enrolment.exit("moved-away", meta("exited", "2021-08-01"))

    assert refused.value.rule == 6
    assert refused.value.field == "effective_date"
    assert refused.value.contradicts == "P-2021-08"


def test_a_payment_goes_to_a_beneficiary_active_on_its_effective_date() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    payment = pay(enrolment, "P-2021-08", on="2021-08-12", amount="300000")

    assert enrolment.state.payments == {"P-2021-08": payment}
    assert str(enrolment.state.payments["P-2021-08"].amount) == "300000"
    assert enrolment.state.payments["P-2021-08"].currency == "LAK"

    with pytest.raises(RuleViolation) as before_enrolment:
        pay(enrolment, "P-2021-06", on="2021-06-19")
    assert (before_enrolment.value.rule, before_enrolment.value.field) == (6, "beneficiary")


def test_payments_are_refused_in_an_in_kind_programme() -> None:
    meals = register("school-meals", benefit="in-kind")
    meals.expand(SANAMXAY, meta("meals-sanamxay", "2021-06-18"))
    enrolment = enrol(meals, "C-1", SANAMXAY, on="2021-09-01", event_id="enrolled")

    with pytest.raises(RuleViolation) as refused:
        pay(enrolment, "M-1", on="2021-09-30")

    assert (refused.value.rule, refused.value.field) == (6, "programme")


def test_a_payment_in_another_currency_than_the_programmes_is_refused() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")

    with pytest.raises(RuleViolation) as refused:
        pay(enrolment, "P-1", on="2021-08-12", currency="USD")

    assert (refused.value.rule, refused.value.field) == (6, "currency")
    assert "USD" in refused.value.message and "LAK" in refused.value.message


def test_a_payment_id_is_used_once() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    pay(enrolment, "P-1", on="2021-08-12")

    with pytest.raises(RuleViolation) as refused:
        enrolment.pay(payment="P-1", amount=decimal.Decimal("1"),
                      period="2021-10", currency=None, meta=meta("other-event", "2021-10-12"))

    assert (refused.value.rule, refused.value.field) == (6, "payment")
    assert refused.value.contradicts == "P-1"


def test_a_payment_is_reversed_on_or_after_its_date() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    pay(enrolment, "P-1", on="2021-08-12")
    enrolment.reverse("P-1", "returned by the bank", meta("reversed", "2021-08-12"))

    assert list(enrolment.state.reversals) == ["P-1"]


def test_a_reversal_before_the_payment_date_is_refused() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    pay(enrolment, "P-1", on="2021-08-12")

    with pytest.raises(RuleViolation) as refused:
        enrolment.reverse("P-1", "returned", meta("reversed", "2021-08-11"))

    assert (refused.value.rule, refused.value.field) == (7, "payment")
    assert "not recorded on or before 2021-08-11" in refused.value.message


def test_a_payment_is_reversed_only_once() -> None:
    enrolment = enrol(pilot(), "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")
    pay(enrolment, "P-1", on="2021-08-12")
    enrolment.reverse("P-1", "returned", meta("reversed", "2021-09-01"))

    with pytest.raises(RuleViolation) as refused:
        enrolment.reverse("P-1", "returned again", meta("reversed-again", "2021-10-01"))

    assert (refused.value.rule, refused.value.field) == (7, "payment")
    assert refused.value.contradicts == "reversed"


def test_a_back_dated_enrolment_cannot_leave_the_beneficiary_active_past_a_withdrawal() -> None:
    programme = pilot()
    programme.withdraw(NONG, meta("nong-withdrawn", "2022-01-01"), [])

    # Nong is covered on 2021-09-01, but B-1 would still be active there after it is withdrawn.
    with pytest.raises(RuleViolation) as refused:
        enrol(programme, "B-1", NONG, on="2021-09-01", event_id="enrolled")

    assert (refused.value.rule, refused.value.field) == (5, "district")
    assert refused.value.contradicts == "nong-withdrawn"
