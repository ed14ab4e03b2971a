-- One row per programme × district that the programme has expanded to on or before $as_of (as
-- known at $known_at), or where it has active beneficiaries: whether it is covered, since when
-- (the start of the current spell of coverage) and how many beneficiaries are active there.
WITH coverage AS (
    SELECT programme, district, covered, current_spell_opened
    FROM district_coverage($as_of, $known_at, $programme)
),
present AS (
    SELECT programme, district, count(*) AS beneficiaries
    FROM active_beneficiaries($as_of, $known_at, $programme, $current)
    GROUP BY programme, district
),
reach AS (
    SELECT
        coalesce(c.programme, p.programme) AS programme,
        coalesce(c.district, p.district) AS district,
        coalesce(c.covered, false) AS covered,
        CASE WHEN c.covered THEN c.current_spell_opened END AS covered_since,
        coalesce(p.beneficiaries, 0) AS beneficiaries
    FROM coverage AS c
    FULL OUTER JOIN present AS p ON p.programme = c.programme AND p.district = c.district
)
SELECT
    CAST(r.programme AS VARCHAR) AS programme,
    CAST(g.province AS VARCHAR) AS province,
    CAST(r.district AS VARCHAR) AS district,
    CAST(r.covered AS BOOLEAN) AS covered,
    CAST(r.covered_since AS DATE) AS covered_since,
    CAST(r.beneficiaries AS BIGINT) AS beneficiaries,
    CAST(g.province_name AS VARCHAR) AS province_name,
    CAST(g.district_name AS VARCHAR) AS district_name,
    CAST($known_at AS TIMESTAMPTZ) AS known_at
FROM reach AS r
LEFT JOIN geography AS g ON g.district = r.district
ORDER BY programme, province, district;
