-- SPEC §3, rule 3: Enrolment only in a district the programme covers on that date, and only
-- when the beneficiary is not already active in that programme (re-enrolment after an exit is
-- allowed).
--
-- "Covers on that date" is day by day: covered at some moment of the day, so expanding a
-- district and enrolling there on one day is fine in either order (rule 5 then holds the
-- beneficiary's whole presence to the coverage).

SELECT seq, 3 AS rule, 'beneficiary' AS field,
    'the beneficiary is already active in district ' || before_district || ' since '
        || before_date AS message,
    before_id AS contradicts, 40 AS precedence, NULL AS also
FROM episodes
WHERE event = 'BeneficiaryEnrolled' AND was_active

UNION ALL

SELECT e.seq, 3, 'district',
    'the programme does not cover district ' || e.district || ' on ' || e.effective_date,
    NULL, 50, NULL
FROM episodes e
WHERE e.event = 'BeneficiaryEnrolled' AND e.line IS NOT NULL
    AND NOT covered_during(e.programme, e.district, e.effective_date)
