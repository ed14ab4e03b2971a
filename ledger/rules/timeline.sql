-- The timeline every rule reads: the touched timelines' recorded events and the file's lines.
--
-- `timeline` holds one row per event: the stored events of every programme and enrolment the
-- file touches, and the file's lines (`line` not null), in recording order `seq` (a file's lines
-- come after everything recorded, in file order). `moment` orders a timeline: effective date, ties by
-- recording order — SPEC §3's order. The views below are what SPEC §3 calls the facts (every
-- unretracted event but a retraction) and the states they make, each derived once.

CREATE OR REPLACE TEMP MACRO q(x) AS '''' || x || '''';

CREATE OR REPLACE TEMP TABLE retracted AS
SELECT retracts AS event_id, min(seq) AS seq FROM timeline
WHERE event = 'EventRetracted' AND retracts IS NOT NULL
GROUP BY retracts;

CREATE OR REPLACE TEMP VIEW facts AS
SELECT t.* FROM timeline t ANTI JOIN retracted r ON t.event_id = r.event_id
WHERE t.event <> 'EventRetracted';

-- Each programme's registration (the first, if a file tries a second).
CREATE OR REPLACE TEMP TABLE registration AS
SELECT programme, effective_date, benefit, currency, event_id, seq FROM facts
WHERE event = 'ProgrammeRegistered'
QUALIFY row_number() OVER (PARTITION BY programme ORDER BY seq) = 1;

-- A district's expansions and withdrawals in timeline order, with their neighbours.
CREATE OR REPLACE TEMP TABLE coverage_changes AS
SELECT *,
    lag(event) OVER w AS before_event, lag(effective_date) OVER w AS before_date,
    lag(event_id) OVER w AS before_id,
    lead(event) OVER w AS next_event, lead(effective_date) OVER w AS next_date,
    lead(event_id) OVER w AS next_id, lead(seq) OVER w AS next_seq
FROM facts WHERE event IN ('DistrictExpanded', 'DistrictWithdrawn')
WINDOW w AS (PARTITION BY programme, district ORDER BY moment);

-- Spells of coverage: [start, finish), finish null while still covered.
CREATE OR REPLACE TEMP TABLE cover AS
SELECT programme, district, effective_date AS start, event_id AS expanded_by,
    CASE WHEN next_event = 'DistrictWithdrawn' THEN next_date END AS finish,
    CASE WHEN next_event = 'DistrictWithdrawn' THEN next_id END AS withdrawn_by,
    CASE WHEN next_event = 'DistrictWithdrawn' THEN next_seq END AS withdrawn_seq
FROM coverage_changes
WHERE event = 'DistrictExpanded' AND (before_event IS NULL OR before_event = 'DistrictWithdrawn');

-- An enrolment's episode events (enrolled, transferred, exited) in timeline order, with the
-- state before each. The beneficiary is active after an enrolment until an exit (a transfer
-- changes only the district, and only while active); while active, the district is the latest
-- enrolment's or transfer's.
CREATE OR REPLACE TEMP TABLE episodes AS
SELECT *,
    coalesce(status_before = 'BeneficiaryEnrolled', false) AS was_active,
    coalesce(event = 'BeneficiaryEnrolled'
        OR (event = 'BeneficiaryTransferred' AND status_before = 'BeneficiaryEnrolled'), false)
        AS active_after
FROM (
    SELECT *,
        last_value(CASE WHEN event <> 'BeneficiaryTransferred' THEN event END IGNORE NULLS)
            OVER before AS status_before,
        last_value(CASE WHEN event <> 'BeneficiaryExited' THEN district END IGNORE NULLS)
            OVER before AS before_district,
        last_value(CASE WHEN event <> 'BeneficiaryExited' THEN event_id END IGNORE NULLS)
            OVER before AS before_id,
        last_value(CASE WHEN event <> 'BeneficiaryExited' THEN effective_date END IGNORE NULLS)
            OVER before AS before_date,
        lead(event) OVER w AS next_event, lead(effective_date) OVER w AS next_date
    FROM facts
    WHERE event IN ('BeneficiaryEnrolled', 'BeneficiaryTransferred', 'BeneficiaryExited')
    WINDOW w AS (PARTITION BY timeline ORDER BY moment),
        before AS (PARTITION BY timeline ORDER BY moment
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
);

-- Presence: the beneficiary active in a district from `start` until the next episode event.
CREATE OR REPLACE TEMP TABLE presence AS
SELECT timeline, programme, beneficiary, district, effective_date AS start,
    next_date AS finish, event_id AS entered_by, seq, line, moment
FROM episodes WHERE event = 'BeneficiaryEnrolled' OR (event = 'BeneficiaryTransferred' AND was_active);

-- Whether a programme covers a district at some moment of a day (after or until its changes
-- that day): the latest spell begun on or before the day, if it has not ended before it.
CREATE OR REPLACE TEMP MACRO covered_during(p, d, day) AS EXISTS (
    SELECT 1 FROM cover c
    WHERE c.programme = p AND c.district = d AND c.start <= day
        AND (c.finish IS NULL OR c.finish >= day)
);
