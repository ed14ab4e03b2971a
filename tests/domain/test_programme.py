"""A programme: its registration and the districts it covers, checked against its whole timeline."""

from __future__ import annotations

import pytest
from pilot import NONG, SANAMXAY, XAYSETTHA, day, enrol, meta, pay, pilot, register
from reference.programme import Programme

from ledger.domain.errors import RuleViolation


def test_a_cash_programme_is_paid_in_lak_unless_told_otherwise() -> None:
    programme = register()

    assert (programme.code, programme.benefit, programme.currency) == ("mcw", "cash", "LAK")


def test_an_in_kind_programme_has_no_currency() -> None:
    meals = register("school-meals", benefit="in-kind")

    assert (meals.benefit, meals.currency) == ("in-kind", None)
    with pytest.raises(RuleViolation) as refused:
        Programme.register(programme="meals-2", name="Meals", benefit="in-kind", currency="LAK",
                           meta=meta("meals-2", "2021-01-01"))
    assert (refused.value.rule, refused.value.field) == (6, "currency")


def test_a_programme_code_is_registered_only_once() -> None:
    programme = register()

    with pytest.raises(RuleViolation) as refused:
        programme.add_registration(programme="mcw", name="Again", benefit="cash", currency=None,
                                   meta=meta("again", "2022-01-01"))

    assert (refused.value.rule, refused.value.field) == (1, "programme")
    assert refused.value.contradicts == "registered"


def test_a_district_cannot_be_expanded_before_the_programme_is_registered() -> None:
    programme = register(on="2021-06-01")

    with pytest.raises(RuleViolation) as refused:
        programme.expand(SANAMXAY, meta("too-early", "2021-05-31"))

    assert refused.value.rule == 1
    assert "not registered on 2021-05-31" in refused.value.message


def test_coverage_follows_expansions_and_withdrawals_as_of_each_day() -> None:
    programme = pilot()
    programme.withdraw(NONG, meta("nong-withdrawn", "2022-01-01"), [])
    programme.expand(NONG, meta("nong-again", "2023-01-01"))

    state = programme.state
    assert state.districts_covered_on(day("2021-06-17")) == []
    assert state.districts_covered_on(day("2021-06-18")) == [NONG, SANAMXAY]
    assert state.districts_covered_on(day("2021-12-31")) == [NONG, SANAMXAY]
    assert state.districts_covered_on(day("2022-01-01")) == [SANAMXAY]
    assert state.districts_covered_on(day("2023-01-01")) == [NONG, SANAMXAY]


def test_a_covered_district_is_not_expanded_again() -> None:
    programme = pilot()

    with pytest.raises(RuleViolation) as refused:
        programme.expand(SANAMXAY, meta("twice", "2021-09-01"))

    assert (refused.value.rule, refused.value.field) == (2, "district")
    assert refused.value.contradicts == "sanamxay-expanded"


def test_a_back_dated_expansion_is_refused_naming_the_later_expansion_it_contradicts() -> None:
    programme = pilot()  # Sanamxay covered from 2021-06-18

    with pytest.raises(RuleViolation) as refused:
        programme.expand(SANAMXAY, meta("earlier", "2021-06-10"))

    assert refused.value.rule == 2
    assert refused.value.field == "effective_date"
    assert refused.value.contradicts == "sanamxay-expanded"
    assert "DistrictExpanded 'sanamxay-expanded' effective 2021-06-18" in refused.value.message


def test_an_uncovered_district_is_not_withdrawn() -> None:
    programme = pilot()

    with pytest.raises(RuleViolation) as refused:
        programme.withdraw(XAYSETTHA, meta("never-covered", "2021-09-01"), [])

    assert (refused.value.rule, refused.value.field) == (2, "district")


def test_a_back_dated_withdrawal_is_refused_naming_the_later_withdrawal_it_contradicts() -> None:
    programme = pilot()
    programme.withdraw(NONG, meta("nong-withdrawn", "2022-01-01"), [])

    with pytest.raises(RuleViolation) as refused:
        programme.withdraw(NONG, meta("earlier", "2021-12-01"), [])

    assert (refused.value.rule, refused.value.field) == (2, "effective_date")
    assert refused.value.contradicts == "nong-withdrawn"


def test_a_district_is_not_withdrawn_while_a_beneficiary_is_active_there() -> None:
    programme = pilot()
    enrolment = enrol(programme, "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled")

    with pytest.raises(RuleViolation) as refused:
        programme.withdraw(SANAMXAY, meta("withdrawn", "2021-12-31"), [enrolment])

    assert (refused.value.rule, refused.value.field) == (5, "district")
    assert refused.value.contradicts == "enrolled"
    assert SANAMXAY in programme.state.districts_covered_on(day("2022-01-01"))


def test_a_withdrawal_back_dated_before_a_later_enrolment_is_refused() -> None:
    programme = pilot()
    enrolment = enrol(programme, "B-1", SANAMXAY, on="2022-03-01", event_id="enrolled-later")
    enrolment.exit("graduated", meta("exited", "2022-09-01"))

    # Nobody is active in Sanamxay on 2022-01-01, but B-1 becomes active there on 2022-03-01.
    with pytest.raises(RuleViolation) as refused:
        programme.withdraw(SANAMXAY, meta("withdrawn", "2022-01-01"), [enrolment])

    assert refused.value.rule == 5
    assert refused.value.contradicts == "enrolled-later"


def test_a_district_is_withdrawn_once_its_beneficiaries_have_left_on_or_before_that_day() -> None:
    programme = pilot()
    exited = enrol(programme, "B-1", SANAMXAY, on="2021-06-20", event_id="enrolled-1")
    exited.exit("moved-away", meta("exited", "2021-12-31"))
    moved = enrol(programme, "B-2", SANAMXAY, on="2021-06-20", event_id="enrolled-2")
    moved.transfer(NONG, meta("moved", "2021-11-01"))

    programme.withdraw(SANAMXAY, meta("withdrawn", "2021-12-31"), [exited, moved])

    assert programme.state.districts_covered_on(day("2021-12-31")) == [NONG]
    assert programme.state.districts_covered_on(day("2021-12-30")) == [NONG, SANAMXAY]


def test_a_refused_withdrawal_names_the_episode_that_would_be_left_uncovered() -> None:
    programme = pilot()
    enrolment = enrol(programme, "B-1", SANAMXAY, on="2021-06-20", event_id="first-episode")
    enrolment.exit("moved-away", meta("exited", "2021-08-01"))
    enrol(programme, "B-1", SANAMXAY, on="2022-03-01", event_id="second-episode",
          enrolment=enrolment)

    with pytest.raises(RuleViolation) as refused:
        programme.withdraw(SANAMXAY, meta("withdrawn", "2022-06-30"), [enrolment])

    assert refused.value.rule == 5
    assert refused.value.contradicts == "second-episode"


def test_a_district_left_and_withdrawn_on_the_same_day_does_not_block_back_dated_facts() -> None:
    programme = pilot()
    enrolment = enrol(programme, "B-1", SANAMXAY, on="2021-07-01", event_id="enrolled")
    enrolment.transfer(NONG, meta("moved", "2021-09-01"))
    enrolment.exit("moved-away", meta("exited", "2021-09-01"))
    # In Nong for no time at all: it moved there and left before Nong was withdrawn that day.
    programme.withdraw(NONG, meta("nong-withdrawn", "2021-09-01"), [enrolment])

    payment = pay(enrolment, "P-2021-08", on="2021-08-12")  # back-dated, while in Sanamxay

    assert enrolment.state.payments == {"P-2021-08": payment}
