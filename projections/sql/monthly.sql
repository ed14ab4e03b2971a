-- One row per programme × month-end, from the month of the programme's registration to the last
-- month-end on or before $as_of, as known at $known_at: beneficiaries active and districts covered
-- and reached on that day, and the enrolments (entries) and exits effective during that month.
WITH known AS (
    SELECT originator, programme, district, event, effective_date, position
    FROM known_facts($known_at, $programme)
    WHERE effective_date <= $as_of
      AND event IN (
          'BeneficiaryEnrolled', 'BeneficiaryTransferred', 'BeneficiaryExited',
          'DistrictExpanded', 'DistrictWithdrawn'
      )
),
calendar AS (
    SELECT programme, month_end
    FROM (
        SELECT
            programme,
            CAST(last_day(unnest(generate_series(
                CAST(date_trunc('month', registered_on) AS TIMESTAMP),
                CAST(date_trunc('month', CAST($as_of AS DATE)) AS TIMESTAMP),
                INTERVAL 1 MONTH
            ))) AS DATE) AS month_end
        FROM registered_programmes($as_of, $known_at, $programme)
    )
    WHERE month_end <= $as_of
),
first_month AS (
    SELECT programme, min(month_end) AS month_end
    FROM calendar
    GROUP BY programme
),
-- Each enrolment, transfer or exit holds from its effective date until the beneficiary's next
-- one (an event superseded the same day holds on no day at all). Beneficiaries whose timeline
-- nothing recorded after $known_at changed (all of them when $current) are read from
-- current_timeline (a stretch ending after $as_of holds on every month-end here); the others'
-- known events are ordered.
changed AS MATERIALIZED (
    SELECT originator FROM changed_since($known_at) WHERE NOT $current
),
stretches AS (
    SELECT c.programme, c.district, c.event, c.starts, c.ends
    FROM current_timeline AS c
    WHERE $current
      AND c.starts <= $as_of
      AND ($programme IS NULL OR c.programme = $programme)
    UNION ALL
    SELECT c.programme, c.district, c.event, c.starts, c.ends
    FROM current_timeline AS c
    ANTI JOIN changed ON changed.originator = c.originator
    WHERE NOT $current
      AND c.starts <= $as_of
      AND ($programme IS NULL OR c.programme = $programme)
    UNION ALL
    SELECT
        k.programme,
        k.district,
        k.event,
        k.effective_date AS starts,
        lead(k.effective_date) OVER (
            PARTITION BY k.originator ORDER BY k.effective_date, k.position
        ) AS ends
    FROM known AS k
    SEMI JOIN changed ON changed.originator = k.originator
    WHERE NOT $current
      AND k.event IN ('BeneficiaryEnrolled', 'BeneficiaryTransferred', 'BeneficiaryExited')
),
active_stretches AS (
    SELECT programme, district, starts, ends
    FROM stretches
    WHERE event <> 'BeneficiaryExited' AND (ends IS NULL OR ends > starts)
),
-- +1 where an active stretch starts, -1 where it ends, at the first month-end on or after that
-- day (changes before the first month-end count from the first month-end).
changes AS (
    SELECT programme, district, starts AS day, 1 AS change FROM active_stretches
    UNION ALL
    SELECT programme, district, ends AS day, -1 AS change FROM active_stretches
    WHERE ends IS NOT NULL
),
changes_by_month AS (
    SELECT
        c.programme,
        c.district,
        greatest(CAST(last_day(c.day) AS DATE), f.month_end) AS month_end,
        sum(c.change) AS change
    FROM changes AS c
    JOIN first_month AS f ON f.programme = c.programme
    GROUP BY ALL
),
-- Each district's last expansion or withdrawal in each month.
coverage_by_month AS (
    SELECT
        k.programme,
        k.district,
        greatest(CAST(last_day(k.effective_date) AS DATE), f.month_end) AS month_end,
        arg_max(k.event, (k.effective_date, k.position)) = 'DistrictExpanded' AS covered
    FROM known AS k
    JOIN first_month AS f ON f.programme = k.programme
    WHERE k.event IN ('DistrictExpanded', 'DistrictWithdrawn')
    GROUP BY ALL
),
districts AS (
    SELECT programme, district FROM changes_by_month
    UNION
    SELECT programme, district FROM coverage_by_month
),
-- Every district of the programme at every month-end, carrying its state forward.
grid AS (
    SELECT
        c.programme,
        c.month_end,
        sum(coalesce(ch.change, 0)) OVER carried AS active,
        coalesce(last_value(cv.covered IGNORE NULLS) OVER carried, false) AS covered
    FROM calendar AS c
    JOIN districts AS d ON d.programme = c.programme
    LEFT JOIN changes_by_month AS ch
        ON ch.programme = c.programme
        AND ch.district IS NOT DISTINCT FROM d.district
        AND ch.month_end = c.month_end
    LEFT JOIN coverage_by_month AS cv
        ON cv.programme = c.programme
        AND cv.district IS NOT DISTINCT FROM d.district
        AND cv.month_end = c.month_end
    WINDOW carried AS (
        PARTITION BY c.programme, d.district ORDER BY c.month_end
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    )
),
states AS (
    SELECT
        programme,
        month_end,
        sum(active) AS active_beneficiaries,
        count(*) FILTER (WHERE covered) AS districts_covered,
        count(*) FILTER (WHERE covered AND active > 0) AS districts_reached
    FROM grid
    GROUP BY programme, month_end
),
flows AS (
    SELECT
        programme,
        CAST(last_day(effective_date) AS DATE) AS month_end,
        count(*) FILTER (WHERE event = 'BeneficiaryEnrolled') AS entries,
        count(*) FILTER (WHERE event = 'BeneficiaryExited') AS exits
    FROM known
    WHERE event IN ('BeneficiaryEnrolled', 'BeneficiaryExited')
    GROUP BY ALL
)
SELECT
    CAST(c.programme AS VARCHAR) AS programme,
    CAST(c.month_end AS DATE) AS month_end,
    CAST(coalesce(s.active_beneficiaries, 0) AS BIGINT) AS active_beneficiaries,
    CAST(coalesce(f.entries, 0) AS BIGINT) AS entries,
    CAST(coalesce(f.exits, 0) AS BIGINT) AS exits,
    CAST(coalesce(s.districts_covered, 0) AS BIGINT) AS districts_covered,
    CAST(coalesce(s.districts_reached, 0) AS BIGINT) AS districts_reached,
    CAST($known_at AS TIMESTAMPTZ) AS known_at
FROM calendar AS c
LEFT JOIN states AS s ON s.programme = c.programme AND s.month_end = c.month_end
LEFT JOIN flows AS f ON f.programme = c.programme AND f.month_end = c.month_end
ORDER BY programme, month_end;
