"""SPEC §3, rule by rule: what the ledger accepts and what it refuses, on SQLite and PostgreSQL.

Every refusal is checked for the line, the field and the rule it names — and that nothing was
recorded (see `eventlog.refused`).
"""

from __future__ import annotations

import datetime as dt

from eventlog import (
    NONG,
    SANAMXAY,
    XAYSETTHA,
    assert_refusal,
    enrolled,
    exited,
    expanded,
    only,
    paid,
    pilot,
    record,
    refused,
    registered,
    retracted,
    reversed_,
    transferred,
    withdrawn,
)

from ledger.application import Ledger
from ledger.domain.enrolment import Enrolment

# -- rule 1: a programme's events need it registered on or before their date; codes unique ----


def test_rule_1_accepts_events_from_the_day_of_registration(ledger: Ledger) -> None:
    receipt = record(ledger, registered(on="2021-06-01"), expanded(SANAMXAY, on="2021-06-01"))

    assert [e.event for e in receipt.events] == ["ProgrammeRegistered", "DistrictExpanded"]


def test_rule_1_refuses_an_expansion_dated_before_the_registration(ledger: Ledger) -> None:
    record(ledger, registered(on="2021-06-01"))

    refusal = only(refused(ledger, expanded(SANAMXAY, on="2021-05-31")))

    assert_refusal(refusal, field="effective_date", rule=1)
    assert "not registered on 2021-05-31" in refusal.reason


def test_rule_1_refuses_an_enrolment_dated_before_the_registration(ledger: Ledger) -> None:
    record(ledger, *pilot())

    refusal = only(refused(ledger, enrolled("B-1", on="2021-05-20")))

    assert_refusal(refusal, field="programme", rule=1)


def test_rule_1_refuses_events_of_a_programme_never_registered(ledger: Ledger) -> None:
    record(ledger, *pilot())

    refusal = only(refused(ledger, expanded(SANAMXAY, programme="school-meals")))

    assert_refusal(refusal, field="programme", rule=1)
    assert "'school-meals' is not registered" in refusal.reason


def test_rule_1_refuses_a_second_registration_of_a_code(ledger: Ledger) -> None:
    record(ledger, registered(id="mcw-registered"))

    refusal = only(refused(ledger, registered(name="Another grant", on="2022-01-01")))

    assert_refusal(refusal, field="programme", rule=1, contradicts="mcw-registered")


def test_rule_1_never_reuses_a_code_even_after_its_registration_is_retracted(ledger: Ledger) -> None:
    record(ledger, registered(id="mcw-registered"))
    record(ledger, retracted("mcw-registered"))

    refusal = only(refused(ledger, registered(name="Another grant", on="2022-01-01")))

    assert_refusal(refusal, field="programme", rule=1)


# -- rule 2: expand only when not covered; withdraw only when covered -------------------------


def test_rule_2_accepts_expansion_withdrawal_and_expansion_again(ledger: Ledger) -> None:
    record(ledger, *pilot())

    receipt = record(ledger, withdrawn(NONG, on="2022-01-01"), expanded(NONG, on="2023-01-01"))

    assert receipt.count == 2


def test_rule_2_refuses_to_expand_a_covered_district(ledger: Ledger) -> None:
    record(ledger, *pilot())

    refusal = only(refused(ledger, expanded(SANAMXAY, on="2021-09-01")))

    assert_refusal(refusal, field="district", rule=2, contradicts="sanamxay-expanded")


def test_rule_2_refuses_to_withdraw_a_district_not_covered(ledger: Ledger) -> None:
    record(ledger, *pilot())

    refusal = only(refused(ledger, withdrawn(XAYSETTHA, on="2021-09-01")))

    assert_refusal(refusal, field="district", rule=2)


def test_rule_2_refuses_a_back_dated_expansion_naming_the_later_expansion(ledger: Ledger) -> None:
    record(ledger, *pilot())  # Sanamxay covered from 2021-06-18

    refusal = only(refused(ledger, expanded(SANAMXAY, on="2021-06-10")))

    assert_refusal(refusal, field="effective_date", rule=2, contradicts="sanamxay-expanded")
    assert "DistrictExpanded 'sanamxay-expanded' effective 2021-06-18" in refusal.reason


def test_rule_2_refuses_a_back_dated_withdrawal_naming_the_later_withdrawal(ledger: Ledger) -> None:
    record(ledger, *pilot(), withdrawn(NONG, on="2022-01-01", id="nong-withdrawn"))

    refusal = only(refused(ledger, withdrawn(NONG, on="2021-12-01")))

    assert_refusal(refusal, field="effective_date", rule=2, contradicts="nong-withdrawn")


# -- rule 3: enrol only in a covered district, and only when not already active --------------


def test_rule_3_accepts_an_enrolment_in_a_covered_district_and_again_after_an_exit(
    ledger: Ledger,
) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, on="2021-06-18"))
    record(ledger, exited("B-1", on="2022-06-18", reason="moved-away"))

    receipt = record(ledger, enrolled("B-1", NONG, on="2022-09-01"))

    assert receipt.count == 1


def test_rule_3_refuses_an_enrolment_before_the_district_is_covered(ledger: Ledger) -> None:
    record(ledger, *pilot())

    refusal = only(refused(ledger, enrolled("B-1", SANAMXAY, on="2021-06-17")))

    assert_refusal(refusal, field="district", rule=3)
    assert "does not cover district 1703 on 2021-06-17" in refusal.reason


def test_rule_3_refuses_an_enrolment_after_the_district_is_withdrawn(ledger: Ledger) -> None:
    record(ledger, *pilot(), withdrawn(NONG, on="2022-01-01"))

    refusal = only(refused(ledger, enrolled("B-1", NONG, on="2022-02-01")))

    assert_refusal(refusal, field="district", rule=3)


def test_rule_3_and_5_refuse_an_enrolment_on_the_day_of_a_recorded_withdrawal(
    ledger: Ledger,
) -> None:
    record(ledger, *pilot(), withdrawn(NONG, on="2022-01-01", id="nong-withdrawn"))

    refusal = only(refused(ledger, enrolled("B-1", NONG, on="2022-01-01")))

    # Recorded after the withdrawal, the enrolment would leave B-1 active in an uncovered district.
    assert_refusal(refusal, field="district", rule=5, contradicts="nong-withdrawn")


def test_rule_3_refuses_to_enrol_a_beneficiary_who_is_already_active(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, id="b1-enrolled"))

    refusal = only(refused(ledger, enrolled("B-1", NONG, on="2021-09-01")))

    assert_refusal(refusal, field="beneficiary", rule=3, contradicts="b1-enrolled")


def test_rule_3_refuses_a_back_dated_enrolment_naming_the_later_one(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, on="2021-07-01", id="b1-enrolled"),
           exited("B-1", on="2021-08-01"))

    refusal = only(refused(ledger, enrolled("B-1", SANAMXAY, on="2021-06-25")))

    assert_refusal(refusal, field="effective_date", rule=3, contradicts="b1-enrolled")


def test_rule_3_lets_one_beneficiary_id_be_active_in_two_programmes(ledger: Ledger) -> None:
    record(ledger, *pilot(), registered("school-meals", benefit="in-kind", name="School meals"),
           expanded(SANAMXAY, programme="school-meals"))

    receipt = record(ledger, enrolled("B-1", SANAMXAY),
                     enrolled("B-1", SANAMXAY, programme="school-meals"))

    assert receipt.count == 2


# -- rule 4: transfer while active to another covered district; exit only while active -------


def test_rule_4_accepts_a_transfer_and_an_exit_of_an_active_beneficiary(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY))

    receipt = record(ledger, transferred("B-1", NONG, on="2021-09-01"),
                     exited("B-1", on="2022-03-01", reason="aged-out"))

    assert [e.event for e in receipt.events] == ["BeneficiaryTransferred", "BeneficiaryExited"]


def test_rule_4_refuses_a_transfer_to_the_same_district(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY))

    refusal = only(refused(ledger, transferred("B-1", SANAMXAY, on="2021-09-01")))

    assert_refusal(refusal, field="district", rule=4)


def test_rule_4_refuses_a_transfer_to_a_district_not_covered(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY))

    refusal = only(refused(ledger, transferred("B-1", XAYSETTHA, on="2021-09-01")))

    assert_refusal(refusal, field="district", rule=4)


def test_rule_4_refuses_transfer_and_exit_of_a_beneficiary_not_active(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY), exited("B-1", on="2021-12-01"))

    refusals = refused(ledger, transferred("B-1", NONG, on="2022-01-01"),
                       exited("B-1", on="2022-01-01"),
                       exited("B-2", on="2022-01-01"))

    assert_refusal(refusals[0], line=1, field="beneficiary", rule=4)
    assert_refusal(refusals[1], line=2, field="beneficiary", rule=4)
    assert_refusal(refusals[2], line=3, field="beneficiary", rule=4)
    assert "'B-2' was never enrolled" in refusals[2].reason


def test_rule_4_refuses_a_back_dated_exit_naming_the_later_transfer(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY),
           transferred("B-1", NONG, on="2021-10-01", id="b1-moved"))

    refusal = only(refused(ledger, exited("B-1", on="2021-09-01")))

    assert_refusal(refusal, field="effective_date", rule=4, contradicts="b1-moved")


# -- rule 5: an active beneficiary's district stays covered -----------------------------------


def test_rule_5_accepts_a_withdrawal_once_everyone_has_left_by_that_day(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY), enrolled("B-2", SANAMXAY))
    record(ledger, exited("B-1", on="2021-12-31", reason="moved-away"),
           transferred("B-2", NONG, on="2021-11-01"))

    receipt = record(ledger, withdrawn(SANAMXAY, on="2021-12-31"))

    assert receipt.count == 1


def test_rule_5_refuses_a_withdrawal_while_a_beneficiary_is_active_there(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, id="b1-enrolled"))

    refusal = only(refused(ledger, withdrawn(SANAMXAY, on="2021-12-31")))

    assert_refusal(refusal, field="district", rule=5, contradicts="b1-enrolled")
    assert "beneficiary B-1 is active there" in refusal.reason


def test_rule_5_refuses_a_withdrawal_while_someone_later_becomes_active_there(
    ledger: Ledger,
) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, on="2022-03-01", id="b1-enrolled"),
           exited("B-1", on="2022-09-01"))

    # On 2022-01-01 nobody is active in Sanamxay; by the timeline B-1 becomes active on 2022-03-01.
    refusal = only(refused(ledger, withdrawn(SANAMXAY, on="2022-01-01")))

    assert_refusal(refusal, field="district", rule=5, contradicts="b1-enrolled")


def test_rule_5_refuses_a_withdrawal_in_a_batch_after_an_enrolment_there(ledger: Ledger) -> None:
    record(ledger, *pilot())

    refusals = refused(ledger, enrolled("B-1", NONG, id="b1-enrolled"),
                       withdrawn(NONG, on="2021-12-31"))

    assert_refusal(only(refusals), line=2, field="district", rule=5, contradicts="b1-enrolled")


def test_rule_5_refuses_an_enrolment_back_dated_before_a_withdrawal_it_would_outlast(
    ledger: Ledger,
) -> None:
    record(ledger, *pilot(), withdrawn(NONG, on="2022-01-01", id="nong-withdrawn"))

    # Nong is covered on 2021-09-01, but B-1 would still be active there after 2022-01-01.
    refusal = only(refused(ledger, enrolled("B-1", NONG, on="2021-09-01")))

    assert_refusal(refusal, field="district", rule=5, contradicts="nong-withdrawn")


def test_rule_5_takes_the_file_as_a_whole_so_a_later_exit_in_it_keeps_the_district_covered(
    ledger: Ledger,
) -> None:
    record(ledger, *pilot(), withdrawn(NONG, on="2022-01-01", id="nong-withdrawn"))

    # SPEC §3: the timeline with all of the file's lines must hold, not each line alone.
    receipt = record(ledger, enrolled("B-1", NONG, on="2021-09-01"),
                     exited("B-1", on="2021-12-31", reason="moved-away"))

    assert receipt.count == 2


def test_rule_5_refuses_an_enrolment_the_file_leaves_active_past_a_withdrawal(
    ledger: Ledger,
) -> None:
    record(ledger, *pilot(), withdrawn(NONG, on="2022-01-01", id="nong-withdrawn"))

    refusals = refused(ledger, enrolled("B-1", NONG, on="2021-09-01"),
                       exited("B-1", on="2022-01-02", reason="moved-away"))

    assert_refusal(only(refusals), line=1, field="district", rule=5, contradicts="nong-withdrawn")


def test_rule_5_accepts_a_back_dated_enrolment_where_coverage_lasts(ledger: Ledger) -> None:
    record(ledger, *pilot(), withdrawn(NONG, on="2022-01-01"),
           enrolled("B-2", SANAMXAY, on="2022-03-01"))

    receipt = record(ledger, enrolled("B-1", SANAMXAY, on="2021-09-01"))

    assert receipt.count == 1


def test_rule_5_refuses_a_transfer_back_dated_into_a_district_later_withdrawn(
    ledger: Ledger,
) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY),
           withdrawn(NONG, on="2022-01-01", id="nong-withdrawn"))

    refusal = only(refused(ledger, transferred("B-1", NONG, on="2021-10-01")))

    assert_refusal(refusal, field="district", rule=5, contradicts="nong-withdrawn")


def test_rule_5_lets_a_district_be_withdrawn_the_day_its_last_beneficiary_passed_through(
    ledger: Ledger,
) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, on="2021-07-01"),
           transferred("B-1", NONG, on="2021-09-01"), exited("B-1", on="2021-09-01"),
           withdrawn(NONG, on="2021-09-01"))

    # B-1 was in Nong for no time at all; a back-dated payment in Sanamxay is not held against it.
    receipt = record(ledger, paid("B-1", "P-2021-08", on="2021-08-12"))

    assert receipt.count == 1


# -- rule 6: payments in cash programmes, to active beneficiaries, unique ids, right currency -


def test_rule_6_accepts_a_payment_to_an_active_beneficiary(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY))

    receipt = record(ledger, paid("B-1", "P-2021-08-B1", amount="300000", currency="LAK"))

    assert receipt.count == 1
    payment = next(e for _, e in ledger.stored_events() if isinstance(e, Enrolment.PaymentRecorded))
    assert (str(payment.amount), payment.currency) == ("300000.00", "LAK")


def test_rule_6_pays_in_the_programmes_own_currency_by_default(ledger: Ledger) -> None:
    record(ledger, registered("usd-pilot", currency="USD", name="A dollar pilot"),
           expanded(SANAMXAY, programme="usd-pilot"),
           enrolled("B-1", SANAMXAY, programme="usd-pilot"))

    record(ledger, paid("B-1", "P-1", programme="usd-pilot", amount="25.50"))

    payment = next(e for _, e in ledger.stored_events() if isinstance(e, Enrolment.PaymentRecorded))
    assert (str(payment.amount), payment.currency) == ("25.50", "USD")


def test_rule_6_refuses_payments_in_an_in_kind_programme(ledger: Ledger) -> None:
    record(ledger, registered("school-meals", benefit="in-kind", name="School meals"),
           expanded(SANAMXAY, programme="school-meals"),
           enrolled("C-1", SANAMXAY, programme="school-meals", on="2021-09-01"))

    refusal = only(refused(ledger, paid("C-1", "M-1", programme="school-meals", on="2021-09-30")))

    assert_refusal(refusal, field="programme", rule=6)


def test_rule_6_refuses_a_payment_in_another_currency(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY))

    refusal = only(refused(ledger, paid("B-1", "P-1", currency="USD")))

    assert_refusal(refusal, field="currency", rule=6)
    assert "USD" in refusal.reason and "LAK" in refusal.reason


def test_rule_6_refuses_a_repeated_payment_in_another_currency(ledger: Ledger) -> None:
    # The currency is left out of a payment's derived id (it can only be the programme's), so the
    # same payment sent again naming another currency must be refused, not taken as recorded.
    record(ledger, *pilot(), enrolled("B-1"))
    record(ledger, paid("B-1", "P-1"))
    before = ledger.store.max_position()

    refusal = only(refused(ledger, paid("B-1", "P-1", currency="USD")))

    assert_refusal(refusal, field="currency", rule=6)
    assert ledger.store.max_position() == before
    assert record(ledger, paid("B-1", "P-1", currency="LAK")).already_recorded == 1


def test_rule_6_refuses_a_payment_to_a_beneficiary_not_active_that_day(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, on="2021-07-01"),
           exited("B-1", on="2021-10-01"))

    refusals = refused(ledger, paid("B-1", "P-before", on="2021-06-30"),
                       paid("B-1", "P-after", on="2021-10-01"),
                       paid("B-9", "P-stranger", on="2021-08-12"))

    assert_refusal(refusals[0], line=1, field="beneficiary", rule=6)
    assert_refusal(refusals[1], line=2, field="beneficiary", rule=6)
    assert_refusal(refusals[2], line=3, field="beneficiary", rule=6)


def test_rule_6_refuses_a_payment_id_used_for_another_beneficiary(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY), enrolled("B-2", NONG))
    record(ledger, paid("B-1", "P-2021-08-001", id="b1-paid"))

    refusal = only(refused(ledger, paid("B-2", "P-2021-08-001", amount="150000")))

    assert_refusal(refusal, field="payment", rule=6, contradicts="b1-paid")


def test_rule_6_refuses_a_payment_id_used_twice_in_one_file(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY), enrolled("B-2", NONG))

    refusals = refused(ledger, paid("B-1", "P-2021-08-001", id="b1-paid"),
                       paid("B-2", "P-2021-08-001"))

    assert_refusal(only(refusals), line=2, field="payment", rule=6, contradicts="b1-paid")


def test_rule_6_lets_two_programmes_use_the_same_payment_id(ledger: Ledger) -> None:
    record(ledger, *pilot(), registered("cash-plus", name="Cash plus"),
           expanded(SANAMXAY, programme="cash-plus"),
           enrolled("B-1", SANAMXAY), enrolled("B-1", SANAMXAY, programme="cash-plus"))

    receipt = record(ledger, paid("B-1", "P-1"), paid("B-1", "P-1", programme="cash-plus"))

    assert receipt.count == 2


def test_rule_6_refuses_an_exit_back_dated_before_a_recorded_payment(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY), paid("B-1", "P-1", id="b1-paid"))

    refusal = only(refused(ledger, exited("B-1", on="2021-08-01")))

    assert_refusal(refusal, field="effective_date", rule=6, contradicts="b1-paid")


def test_rule_6_follows_recording_order_on_the_day_of_an_exit(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY), enrolled("B-2", SANAMXAY))

    # Paid, then exited the same day: both stand. Exited, then paid the same day: refused.
    record(ledger, paid("B-1", "P-1", on="2021-08-12"), exited("B-1", on="2021-08-12"))
    record(ledger, exited("B-2", on="2021-08-12"))
    refusal = only(refused(ledger, paid("B-2", "P-2", on="2021-08-12")))

    assert_refusal(refusal, field="beneficiary", rule=6)


# -- rule 7: a reversal names a recorded, unreversed payment, on or after its date ------------


def test_rule_7_accepts_a_reversal_on_the_day_of_the_payment(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY), paid("B-1", "P-1", on="2021-08-12"))

    receipt = record(ledger, reversed_("P-1", on="2021-08-12"))

    assert receipt.count == 1


def test_rule_7_refuses_a_reversal_before_the_payment_date(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY), paid("B-1", "P-1", on="2021-08-12"))

    refusal = only(refused(ledger, reversed_("P-1", on="2021-08-11")))

    assert_refusal(refusal, field="payment", rule=7)


def test_rule_7_refuses_to_reverse_a_payment_twice(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY), paid("B-1", "P-1"),
           reversed_("P-1", on="2021-09-01", id="p1-reversed"))

    refusal = only(refused(ledger, reversed_("P-1", on="2021-10-01", reason="again")))

    assert_refusal(refusal, field="payment", rule=7, contradicts="p1-reversed")


def test_rule_7_refuses_to_reverse_an_unknown_or_retracted_payment(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY), paid("B-1", "P-1", id="p1-paid"))
    record(ledger, retracted("p1-paid"))

    refusals = refused(ledger, reversed_("P-404", on="2021-09-01"),
                       reversed_("P-1", on="2021-09-01"))

    assert_refusal(refusals[0], line=1, field="payment", rule=7)
    assert_refusal(refusals[1], line=2, field="payment", rule=7)


# -- rule 8: a retraction names an existing, unretracted event; the rest must still hold ------


def test_rule_8_accepts_retracting_payments_before_their_enrolment(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, id="b1-enrolled"),
           paid("B-1", "P-1", id="p1-paid"))

    record(ledger, retracted("p1-paid"))
    receipt = record(ledger, retracted("b1-enrolled"))

    assert receipt.count == 1
    # With both retracted, B-1 is not active: Sanamxay can be withdrawn.
    assert record(ledger, withdrawn(SANAMXAY, on="2021-12-31")).count == 1


def test_rule_8_accepts_the_payments_and_their_enrolment_retracted_in_one_file(
    ledger: Ledger,
) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, id="b1-enrolled"),
           paid("B-1", "P-1", id="p1-paid"))

    receipt = record(ledger, retracted("p1-paid"), retracted("b1-enrolled"))

    assert receipt.count == 2


def test_rule_8_refuses_retracting_an_enrolment_before_its_payments(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, id="b1-enrolled"),
           paid("B-1", "P-1", id="p1-paid"))

    refusal = only(refused(ledger, retracted("b1-enrolled")))

    assert_refusal(refusal, line=1, field="retracts", rule=8, contradicts="p1-paid")
    assert "PaymentRecorded 'p1-paid' effective 2021-08-12" in refusal.reason


def test_rule_8_accepts_retracting_an_enrolment_and_its_payments_in_one_file(
    ledger: Ledger,
) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, id="b1-enrolled"),
           paid("B-1", "P-1", id="p1-paid"))

    # SPEC §3: the file joins as a whole, so the enrolment may be named first.
    receipt = record(ledger, retracted("b1-enrolled"), retracted("p1-paid"))

    assert receipt.count == 2


def test_rule_8_refuses_retracting_an_event_twice(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY), paid("B-1", "P-1", id="p1-paid"))
    record(ledger, retracted("p1-paid", id="first-retraction"))

    refusal = only(refused(ledger, retracted("p1-paid", reason="again")))

    assert_refusal(refusal, field="retracts", rule=8, contradicts="first-retraction")


def test_rule_8_refuses_retracting_a_retraction(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY), paid("B-1", "P-1", id="p1-paid"))
    record(ledger, retracted("p1-paid", id="first-retraction"))

    refusal = only(refused(ledger, retracted("first-retraction", reason="it was right")))

    assert_refusal(refusal, field="retracts", rule=8)


def test_rule_8_refuses_retracting_an_unknown_event(ledger: Ledger) -> None:
    record(ledger, *pilot())

    refusal = only(refused(ledger, retracted("no-such-event")))

    assert_refusal(refusal, field="retracts", rule=8)


def test_rule_8_refuses_retracting_an_expansion_a_beneficiary_depends_on(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", NONG, id="b1-enrolled"))

    refusal = only(refused(ledger, retracted("nong-expanded")))

    assert_refusal(refusal, field="retracts", rule=8, contradicts="b1-enrolled")


def test_rule_8_refuses_retracting_an_exit_that_kept_a_district_withdrawable(
    ledger: Ledger,
) -> None:
    record(ledger, *pilot(), enrolled("B-1", NONG), exited("B-1", on="2021-12-01", id="b1-exit"),
           withdrawn(NONG, on="2022-01-01", id="nong-withdrawn"))

    refusal = only(refused(ledger, retracted("b1-exit")))

    assert_refusal(refusal, field="retracts", rule=8, contradicts="nong-withdrawn")


def test_rule_8_refuses_retracting_an_expansion_under_someone_who_passed_through_that_day(
    ledger: Ledger,
) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, on="2021-07-01", id="b1-enrolled"),
           transferred("B-1", NONG, on="2021-07-01"))

    refusal = only(refused(ledger, retracted("sanamxay-expanded")))

    assert_refusal(refusal, field="retracts", rule=8, contradicts="b1-enrolled")


def test_rule_8_accepts_retracting_an_expansion_nobody_depends_on(ledger: Ledger) -> None:
    record(ledger, *pilot())

    record(ledger, retracted("nong-expanded"))

    refusal = only(refused(ledger, enrolled("B-1", NONG)))
    assert_refusal(refusal, field="district", rule=3)


# -- rule 9: nothing effective after the day it is recorded; no birth after enrolment --------


def test_rule_9_accepts_a_fact_effective_on_the_day_it_is_recorded(ledger: Ledger) -> None:
    today = dt.date.today().isoformat()

    receipt = record(ledger, registered(on=today))

    assert receipt.events[0].effective_date.isoformat() == today


def test_rule_9_refuses_a_fact_effective_after_the_day_it_is_recorded(ledger: Ledger) -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()

    refusal = only(refused(ledger, registered(on=tomorrow)))

    assert_refusal(refusal, field="effective_date", rule=9)


def test_rule_9_refuses_a_historical_fact_effective_after_its_recorded_day(ledger: Ledger) -> None:
    refusal = only(refused(ledger, registered(on="2021-06-02",
                                              recorded_at="2021-06-01T17:00:00+07:00"),
                           historical=True))

    assert_refusal(refusal, field="effective_date", rule=9)


def test_rule_9_accepts_a_birth_on_the_day_of_enrolment(ledger: Ledger) -> None:
    record(ledger, *pilot())

    receipt = record(ledger, enrolled("B-1", SANAMXAY, on="2021-06-20", birth_date="2021-06-20"))

    assert receipt.count == 1


def test_rule_9_refuses_a_birth_date_after_the_enrolment(ledger: Ledger) -> None:
    record(ledger, *pilot())

    refusal = only(refused(ledger, enrolled("B-1", SANAMXAY, on="2021-06-20",
                                            birth_date="2021-06-21")))

    assert_refusal(refusal, field="birth_date", rule=9)
