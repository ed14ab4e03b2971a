-- One row per programme registered on or before $as_of (as known at $known_at): beneficiaries
-- active on $as_of and ever enrolled by then, and the districts and provinces it covers.
WITH beneficiaries AS MATERIALIZED (
    SELECT programme, district, last_event <> 'BeneficiaryExited' AS active, ever_enrolled
    FROM beneficiary_status($as_of, $known_at, $programme, $current)
),
status AS (
    SELECT
        programme,
        count(*) FILTER (WHERE active) AS active_beneficiaries,
        count(*) FILTER (WHERE ever_enrolled) AS beneficiaries_ever
    FROM beneficiaries
    GROUP BY programme
),
covered AS (
    SELECT c.programme, c.district, g.province
    FROM district_coverage($as_of, $known_at, $programme) AS c
    LEFT JOIN geography AS g ON g.district = c.district
    WHERE c.covered
),
occupied AS (
    SELECT DISTINCT programme, district
    FROM beneficiaries
    WHERE active
),
districts AS (
    SELECT
        c.programme,
        count(*) AS districts_covered,
        count(o.district) AS districts_reached,
        count(DISTINCT c.province) AS provinces_covered
    FROM covered AS c
    LEFT JOIN occupied AS o ON o.programme = c.programme AND o.district = c.district
    GROUP BY c.programme
)
SELECT
    CAST(p.programme AS VARCHAR) AS programme,
    CAST(coalesce(s.active_beneficiaries, 0) AS BIGINT) AS active_beneficiaries,
    CAST(coalesce(s.beneficiaries_ever, 0) AS BIGINT) AS beneficiaries_ever,
    CAST(coalesce(d.districts_covered, 0) AS BIGINT) AS districts_covered,
    CAST(coalesce(d.districts_reached, 0) AS BIGINT) AS districts_reached,
    CAST(coalesce(d.provinces_covered, 0) AS BIGINT) AS provinces_covered,
    CAST($known_at AS TIMESTAMPTZ) AS known_at
FROM registered_programmes($as_of, $known_at, $programme) AS p
LEFT JOIN status AS s ON s.programme = p.programme
LEFT JOIN districts AS d ON d.programme = p.programme
ORDER BY programme;
