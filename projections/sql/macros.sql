-- Building blocks of the five tables: SPEC §4 (as of D, as known at T) once, in one place.
-- Every value reaches these macros as a bound parameter of the query that uses them.

-- The timeline as known at `known_at`: the events recorded by then, less those retracted by a
-- retraction recorded by then. Retractions themselves are not facts of the timeline.
-- `only_programme` NULL means every programme.
CREATE OR REPLACE TEMP MACRO known_facts(known_at, only_programme) AS TABLE
    SELECT f.*
    FROM facts AS f
    ANTI JOIN (
        SELECT position FROM retracted WHERE retracted_at <= known_at
    ) AS gone ON gone.position = f.position
    WHERE f.recorded_at <= known_at
      AND f.event <> 'EventRetracted'
      AND (only_programme IS NULL OR f.programme = only_programme);

-- Timeline order as one integer: by effective date, then position (positions stay below 2^40).
CREATE OR REPLACE TEMP MACRO timeline_order(effective_date, position) AS
    CAST(effective_date - DATE '1970-01-01' AS BIGINT) * 1099511627776 + position;

-- Programmes registered on or before `as_of`.
CREATE OR REPLACE TEMP MACRO registered_programmes(as_of, known_at, only_programme) AS TABLE
    SELECT programme, min(effective_date) AS registered_on
    FROM known_facts(known_at, only_programme)
    WHERE event = 'ProgrammeRegistered' AND effective_date <= as_of
    GROUP BY programme;

-- One row per beneficiary (an enrolment aggregate) with an enrolment, transfer or exit effective
-- on or before `as_of`: its last such event in timeline order says whether it is active and
-- where; sex and birth date come from its latest enrolment (NULL if it has none by `as_of`).
-- When `current` (known_at is at or after the last recording) the stretch holding on `as_of` is
-- read from current_timeline; otherwise each beneficiary's events are aggregated.
CREATE OR REPLACE TEMP MACRO beneficiary_status(as_of, known_at, only_programme, current) AS TABLE
    SELECT
        originator,
        programme,
        event AS last_event,
        district,
        sex,
        birth_date,
        sex IS NOT NULL AS ever_enrolled
    FROM current_timeline
    WHERE current
      AND starts <= as_of
      AND (ends IS NULL OR ends > as_of)
      AND (only_programme IS NULL OR programme = only_programme)
    UNION ALL
    SELECT
        originator,
        any_value(programme) AS programme,
        arg_max_null(event, timeline_order(effective_date, position)) AS last_event,
        arg_max_null(district, timeline_order(effective_date, position)) AS district,
        arg_max_null(sex, timeline_order(effective_date, position))
            FILTER (WHERE event = 'BeneficiaryEnrolled') AS sex,
        arg_max_null(birth_date, timeline_order(effective_date, position))
            FILTER (WHERE event = 'BeneficiaryEnrolled') AS birth_date,
        count(*) FILTER (WHERE event = 'BeneficiaryEnrolled') > 0 AS ever_enrolled
    FROM known_facts(known_at, only_programme)
    WHERE NOT current
      AND event IN ('BeneficiaryEnrolled', 'BeneficiaryTransferred', 'BeneficiaryExited')
      AND effective_date <= as_of
    GROUP BY originator;

-- One row per active beneficiary as of `as_of`, in its current district.
CREATE OR REPLACE TEMP MACRO active_beneficiaries(as_of, known_at, only_programme, current) AS TABLE
    SELECT programme, district, sex, birth_date
    FROM beneficiary_status(as_of, known_at, only_programme, current)
    WHERE last_event <> 'BeneficiaryExited';

-- The beneficiaries whose timeline events at positions above `after` may have changed it.
CREATE OR REPLACE TEMP MACRO touched_beneficiaries(after) AS TABLE
    SELECT DISTINCT originator
    FROM facts
    WHERE position > after
      AND event IN (
          'BeneficiaryEnrolled', 'BeneficiaryTransferred', 'BeneficiaryExited', 'EventRetracted'
      );

-- One row per programme × district ever expanded or withdrawn on or before `as_of`: covered if
-- its last expansion/withdrawal is an expansion; covered since the first expansion after the
-- last withdrawal (the one that opened the current spell).
CREATE OR REPLACE TEMP MACRO district_coverage(as_of, known_at, only_programme) AS TABLE
    WITH moves AS (
        SELECT
            programme,
            district,
            event,
            effective_date,
            position,
            count(*) FILTER (WHERE event = 'DistrictWithdrawn') OVER (
                PARTITION BY programme, district ORDER BY effective_date, position
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) AS withdrawals_so_far,
            count(*) FILTER (WHERE event = 'DistrictWithdrawn') OVER (
                PARTITION BY programme, district
            ) AS withdrawals
        FROM known_facts(known_at, only_programme)
        WHERE event IN ('DistrictExpanded', 'DistrictWithdrawn') AND effective_date <= as_of
    )
    SELECT
        programme,
        district,
        arg_max(event, (effective_date, position)) = 'DistrictExpanded' AS covered,
        min(effective_date) FILTER (
            WHERE event = 'DistrictExpanded' AND withdrawals_so_far = withdrawals
        ) AS current_spell_opened
    FROM moves
    GROUP BY programme, district;

-- Age in whole years on `on_day` (a 29 February birthday falls on 1 March in other years).
CREATE OR REPLACE TEMP MACRO whole_years(born, on_day) AS
    year(on_day) - year(born)
    - CASE
        WHEN month(on_day) * 100 + day(on_day) < month(born) * 100 + day(born) THEN 1
        ELSE 0
      END;

-- The age band of SPEC §5 on `on_day`.
CREATE OR REPLACE TEMP MACRO age_band(born, on_day) AS
    CASE
        WHEN born IS NULL THEN 'unknown'
        WHEN whole_years(born, on_day) <= 1 THEN '0-1'
        WHEN whole_years(born, on_day) <= 5 THEN '2-5'
        WHEN whole_years(born, on_day) <= 11 THEN '6-11'
        WHEN whole_years(born, on_day) <= 17 THEN '12-17'
        WHEN whole_years(born, on_day) <= 59 THEN '18-59'
        ELSE '60+'
    END;

-- Age bands sort youngest first, `unknown` last.
CREATE OR REPLACE TEMP MACRO age_band_order(band) AS
    list_position(['0-1', '2-5', '6-11', '12-17', '18-59', '60+', 'unknown'], band);
