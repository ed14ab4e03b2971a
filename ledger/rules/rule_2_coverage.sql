-- SPEC §3, rule 2: A district is expanded only when not covered on that date, withdrawn only
-- when covered.

SELECT seq, 2 AS rule, 'district' AS field,
    'district ' || district || ' is already covered since ' || before_date AS message,
    before_id AS contradicts, 40 AS precedence, NULL AS also
FROM coverage_changes
WHERE event = 'DistrictExpanded' AND before_event = 'DistrictExpanded'

UNION ALL

SELECT seq, 2, 'district', 'district ' || district || ' is not covered on ' || effective_date,
    NULL, 40, NULL
FROM coverage_changes
WHERE event = 'DistrictWithdrawn' AND coalesce(before_event, '') <> 'DistrictExpanded'
