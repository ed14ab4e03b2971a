-- SPEC §15: every district of the geography as known at $known_at — the shipped reference and
-- those the ledger established — with its validity and successors. `valid_from` NULL: in the
-- shipped geography (since before the ledger); `valid_to` the retirement's date (its last day),
-- NULL while it exists. `name` is the latest renaming effective on or before $as_of.
WITH k AS (
    SELECT * FROM known_facts($known_at, NULL)
    WHERE event IN ('DistrictEstablished', 'DistrictRenamed', 'DistrictRetired')
),
established AS (
    SELECT district, arg_min(province, position) AS province,
        min(effective_date) AS valid_from
    FROM k WHERE event = 'DistrictEstablished' GROUP BY district
),
retired AS (
    SELECT district, min(effective_date) AS valid_to,
        arg_min(successors, timeline_order(effective_date, position)) AS successors
    FROM k WHERE event = 'DistrictRetired' GROUP BY district
),
named AS (
    SELECT district, arg_max(name, timeline_order(effective_date, position)) AS name
    FROM k WHERE event IN ('DistrictEstablished', 'DistrictRenamed') AND effective_date <= $as_of
    GROUP BY district
),
every AS (
    SELECT district, province, district_name AS name, NULL::DATE AS valid_from
    FROM shipped_geography
    UNION ALL
    SELECT e.district, e.province, NULL, e.valid_from FROM established e
    ANTI JOIN shipped_geography g ON g.district = e.district
)
SELECT
    CAST(v.district AS VARCHAR) AS district,
    CAST(v.province AS VARCHAR) AS province,
    CAST(coalesce(n.name, v.name) AS VARCHAR) AS district_name,
    CAST(v.valid_from AS DATE) AS valid_from,
    CAST(r.valid_to AS DATE) AS valid_to,
    coalesce(v.valid_from IS NULL OR v.valid_from <= $as_of, false)
        AND (r.valid_to IS NULL OR r.valid_to >= $as_of) AS exists_on_as_of,
    CAST(r.successors AS VARCHAR[]) AS successors,
    CAST($known_at AS TIMESTAMPTZ) AS known_at
FROM every v
LEFT JOIN retired r ON r.district = v.district
LEFT JOIN named n ON n.district = v.district
ORDER BY district;
