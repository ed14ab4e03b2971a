-- One row per programme × district × sex × age band: the beneficiaries active as of $as_of, as
-- known at $known_at, in their current district, aged in whole years on $as_of.
SELECT
    CAST(a.programme AS VARCHAR) AS programme,
    CAST(g.province AS VARCHAR) AS province,
    CAST(a.district AS VARCHAR) AS district,
    CAST(a.sex AS VARCHAR) AS sex,
    CAST(age_band(a.birth_date, $as_of) AS VARCHAR) AS age_band,
    CAST(count(*) AS BIGINT) AS beneficiaries,
    CAST(g.province_name AS VARCHAR) AS province_name,
    CAST(g.district_name AS VARCHAR) AS district_name,
    CAST($known_at AS TIMESTAMPTZ) AS known_at
FROM active_beneficiaries($as_of, $known_at, $programme, $current) AS a
LEFT JOIN geography AS g ON g.district = a.district
GROUP BY a.programme, g.province, g.province_name, g.district_name, a.district, a.sex, age_band(a.birth_date, $as_of)
ORDER BY programme, province, district, sex, age_band_order(age_band);
