-- SPEC §3, rule 9: No effective date after the day it is recorded; no birth date after the
-- enrolment.
--
-- The day it is recorded is the day of its recorded time, in that time's own offset (the
-- ledger's clock, or the recorded_at a restore gives).

SELECT seq, 9 AS rule, 'effective_date' AS field,
    'effective ' || effective_date || ' is after the day it is recorded (' || recorded_day || ')'
        AS message,
    NULL AS contradicts, 5 AS precedence, NULL AS also
FROM timeline
WHERE line IS NOT NULL AND effective_date > recorded_day

UNION ALL

SELECT seq, 9, 'birth_date', 'the birth date is after the enrolment', NULL, 45, NULL
FROM timeline
WHERE line IS NOT NULL AND event = 'BeneficiaryEnrolled' AND birth_date > effective_date
