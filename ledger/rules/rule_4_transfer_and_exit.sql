-- SPEC §3, rule 4: Transfer only while active, to another covered district. Exit only while
-- active.
--
-- A beneficiary never enrolled in the programme at all is named as such.

SELECT t.seq, CASE WHEN t.event = 'PaymentRecorded' THEN 6 ELSE 4 END AS rule,
    'beneficiary' AS field,
    'beneficiary ' || q(t.beneficiary) || ' was never enrolled in ' || q(t.programme) AS message,
    NULL AS contradicts, 20 AS precedence, NULL AS also
FROM facts t
WHERE t.line IS NOT NULL AND t.kind = 'enrolment'
    AND t.event IN ('BeneficiaryTransferred', 'BeneficiaryExited', 'PaymentRecorded')
    AND NOT EXISTS (
        SELECT 1 FROM timeline e WHERE e.timeline = t.timeline AND e.event = 'BeneficiaryEnrolled'
    )

UNION ALL

SELECT seq, 4, 'beneficiary',
    'cannot ' || CASE WHEN event = 'BeneficiaryExited' THEN 'exit' ELSE 'transfer' END
        || ': the beneficiary is not active on ' || effective_date,
    NULL, 40, NULL
FROM episodes
WHERE event IN ('BeneficiaryTransferred', 'BeneficiaryExited') AND NOT was_active

UNION ALL

SELECT seq, 4, 'district', 'the beneficiary is already in district ' || district,
    NULL, 41, NULL
FROM episodes
WHERE event = 'BeneficiaryTransferred' AND was_active AND district = before_district

UNION ALL

SELECT e.seq, 4, 'district',
    'the programme does not cover district ' || e.district || ' on ' || e.effective_date,
    NULL, 50, NULL
FROM episodes e
WHERE e.event = 'BeneficiaryTransferred' AND e.was_active AND e.district <> e.before_district
    AND e.line IS NOT NULL AND NOT covered_during(e.programme, e.district, e.effective_date)
