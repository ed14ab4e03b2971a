-- SPEC §15, `--geography current`: where each retired district's people are on today's map,
-- as known at $known_at. A beneficiary whose boundary transfer (a transfer on the retirement
-- day, out of the retired district into one of its successors) moved it counts there; anyone
-- else in a retired district — who left before — counts in its first successor. Successors
-- retired in their turn are followed (projections/geography.py repeats the last statement).
CREATE OR REPLACE TEMP TABLE district_map AS
WITH k AS (SELECT * FROM known_facts($known_at, NULL)),
retired AS (
    SELECT district, min(effective_date) AS day,
        arg_min(successors, timeline_order(effective_date, position)) AS successors
    FROM k WHERE event = 'DistrictRetired' GROUP BY district
),
placed AS (
    SELECT DISTINCT originator, district FROM k
    WHERE event IN ('BeneficiaryEnrolled', 'BeneficiaryTransferred')
)
SELECT CAST(NULL AS UUID) AS originator, district, successors[1] AS mapped FROM retired
UNION ALL
SELECT t.originator, r.district, arg_max(t.district, t.position) AS mapped
FROM k t
JOIN retired r ON t.effective_date = r.day AND list_contains(r.successors, t.district)
SEMI JOIN placed p ON p.originator = t.originator AND p.district = r.district
WHERE t.event = 'BeneficiaryTransferred'
GROUP BY t.originator, r.district;
