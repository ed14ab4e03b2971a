-- One row per programme × district × sex × age band: the beneficiaries active as of $as_of, as
-- known at $known_at (as beneficiary_counts counts them), beside the population of that cell.
-- Rows: every cell with population figures, for every programme registered by $as_of, and every
-- cell with active beneficiaries. A cell's figure is that of the latest year on or before the
-- year of $as_of (of two sources for that year, the first by name); coverage is
-- beneficiaries / population, NULL where there is no figure or it is zero.
WITH counted AS (
    SELECT a.programme, a.district, a.sex, age_band(a.birth_date, $as_of) AS age_band,
           count(*) AS beneficiaries
    FROM active_beneficiaries($as_of, $known_at, $programme, $current) AS a
    GROUP BY ALL
),
figures AS (
    SELECT district, sex, age_band, year, population, source
    FROM population
    WHERE year <= year(CAST($as_of AS DATE))
    QUALIFY row_number() OVER (PARTITION BY district, sex, age_band ORDER BY year DESC, source) = 1
),
cells AS (
    SELECT r.programme, f.district, f.sex, f.age_band
    FROM registered_programmes($as_of, $known_at, $programme) AS r
    CROSS JOIN figures AS f
    UNION
    SELECT programme, district, sex, age_band FROM counted
)
SELECT
    CAST(c.programme AS VARCHAR) AS programme,
    CAST(g.province AS VARCHAR) AS province,
    CAST(c.district AS VARCHAR) AS district,
    CAST(c.sex AS VARCHAR) AS sex,
    CAST(c.age_band AS VARCHAR) AS age_band,
    CAST(coalesce(n.beneficiaries, 0) AS BIGINT) AS beneficiaries,
    CAST(f.population AS BIGINT) AS population,
    CAST(CASE WHEN f.population > 0
              THEN coalesce(n.beneficiaries, 0) / f.population END AS DOUBLE) AS coverage,
    CAST(f.year AS INTEGER) AS population_year,
    CAST(f.source AS VARCHAR) AS population_source,
    CAST(g.province_name AS VARCHAR) AS province_name,
    CAST(g.district_name AS VARCHAR) AS district_name,
    CAST($known_at AS TIMESTAMPTZ) AS known_at
FROM cells AS c
LEFT JOIN counted AS n
    ON n.programme = c.programme AND n.district = c.district AND n.sex = c.sex
   AND n.age_band = c.age_band
LEFT JOIN figures AS f ON f.district = c.district AND f.sex = c.sex AND f.age_band = c.age_band
LEFT JOIN geography AS g ON g.district = c.district
ORDER BY programme, province, district, sex, age_band_order(c.age_band);
