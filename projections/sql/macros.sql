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

-- The beneficiaries whose timeline as known at `known_at` may differ from the current one: an
-- enrolment, transfer or exit, or a retraction of one of their events, was recorded after it.
-- (None when `known_at` is at or after the last recording.)
CREATE OR REPLACE TEMP MACRO changed_since(known_at) AS TABLE
    SELECT DISTINCT originator
    FROM facts
    WHERE recorded_at > known_at
      AND event IN (
          'BeneficiaryEnrolled', 'BeneficiaryTransferred', 'BeneficiaryExited', 'EventRetracted'
      );

-- One row per beneficiary (an enrolment aggregate) with an enrolment, transfer or exit effective
-- on or before `as_of`: its last such event in timeline order says whether it is active and
-- where; sex and birth date come from its latest enrolment (NULL if it has none by `as_of`).
-- When `current` (known_at is at or after the last recording) that is the stretch of
-- current_timeline holding on `as_of`. Otherwise so it is for the beneficiaries whose timeline
-- nothing recorded after `known_at` changed, and the others' known events are aggregated.
CREATE OR REPLACE TEMP MACRO beneficiary_status(as_of, known_at, only_programme, current) AS TABLE
    SELECT
        c.originator,
        c.programme,
        c.event AS last_event,
        c.district,
        c.sex,
        c.birth_date,
        c.sex IS NOT NULL AS ever_enrolled
    FROM current_timeline AS c
    WHERE current
      AND c.starts <= as_of
      AND (c.ends IS NULL OR c.ends > as_of)
      AND (only_programme IS NULL OR c.programme = only_programme)
    UNION ALL
    SELECT
        c.originator,
        c.programme,
        c.event AS last_event,
        c.district,
        c.sex,
        c.birth_date,
        c.sex IS NOT NULL AS ever_enrolled
    FROM current_timeline AS c
    ANTI JOIN changed_since(known_at) AS changed ON changed.originator = c.originator
    WHERE NOT current
      AND c.starts <= as_of
      AND (c.ends IS NULL OR c.ends > as_of)
      AND (only_programme IS NULL OR c.programme = only_programme)
    UNION ALL
    SELECT
        k.originator,
        any_value(k.programme) AS programme,
        arg_max_null(k.event, timeline_order(k.effective_date, k.position)) AS last_event,
        arg_max_null(k.district, timeline_order(k.effective_date, k.position)) AS district,
        arg_max_null(k.sex, timeline_order(k.effective_date, k.position))
            FILTER (WHERE k.event = 'BeneficiaryEnrolled') AS sex,
        arg_max_null(k.birth_date, timeline_order(k.effective_date, k.position))
            FILTER (WHERE k.event = 'BeneficiaryEnrolled') AS birth_date,
        count(*) FILTER (WHERE k.event = 'BeneficiaryEnrolled') > 0 AS ever_enrolled
    FROM known_facts(known_at, only_programme) AS k
    SEMI JOIN changed_since(known_at) AS changed ON changed.originator = k.originator
    WHERE NOT current
      AND k.event IN ('BeneficiaryEnrolled', 'BeneficiaryTransferred', 'BeneficiaryExited')
      AND k.effective_date <= as_of
    GROUP BY k.originator;

-- One row per active beneficiary as of `as_of`, in its current district — or, on today's map
-- (SPEC §15, `--geography current`: `district_map` filled), in the district that district's
-- retirement moved it to (its own boundary transfer, else the first successor).
CREATE OR REPLACE TEMP MACRO active_beneficiaries(as_of, known_at, only_programme, current) AS TABLE
    SELECT s.programme, coalesce(own.mapped, anyone.mapped, s.district) AS district, s.sex,
        s.birth_date
    FROM beneficiary_status(as_of, known_at, only_programme, current) AS s
    LEFT JOIN district_map AS own ON own.originator = s.originator AND own.district = s.district
    LEFT JOIN (SELECT district, mapped FROM district_map WHERE originator IS NULL) AS anyone
        ON anyone.district = s.district
    WHERE s.last_event <> 'BeneficiaryExited';

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
