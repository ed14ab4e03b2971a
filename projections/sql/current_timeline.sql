-- One row per enrolment, transfer or exit, as known now, of the beneficiaries with an enrolment,
-- transfer, exit or retraction at a position above $after (every beneficiary when $after is 0):
-- the stretch from its effective date to the next one's, in timeline order, the sex and birth
-- date of the latest enrolment up to it, and the district of the latest enrolment or transfer up
-- to it (where an exited beneficiary's payments are placed). Built from those beneficiaries' rows already in
-- current_timeline plus their events since, so an update never rescans the whole history; the
-- caller then replaces their rows with these (or, on an empty current_timeline, inserts them).
WITH touched AS (
    SELECT originator FROM touched_beneficiaries($after)
),
events AS (
    SELECT
        c.originator,
        c.programme,
        c.event,
        c.district,
        c.starts AS effective_date,
        c.position,
        CASE WHEN c.event = 'BeneficiaryEnrolled' THEN c.sex END AS sex,
        CASE WHEN c.event = 'BeneficiaryEnrolled' THEN c.birth_date END AS birth_date
    FROM current_timeline AS c
    SEMI JOIN touched AS t ON t.originator = c.originator
    UNION ALL
    SELECT originator, programme, event, district, effective_date, position, sex, birth_date
    FROM facts
    WHERE position > $after
      AND event IN ('BeneficiaryEnrolled', 'BeneficiaryTransferred', 'BeneficiaryExited')
),
kept AS (
    SELECT e.*
    FROM events AS e
    ANTI JOIN retracted AS r ON r.position = e.position
)
SELECT
    originator,
    programme,
    event,
    district,
    position,
    effective_date AS starts,
    lead(effective_date) OVER stretch AS ends,
    last_value(sex IGNORE NULLS) OVER so_far AS sex,
    struct_extract(
        last_value(
            CASE WHEN event = 'BeneficiaryEnrolled' THEN {'born': birth_date} END IGNORE NULLS
        ) OVER so_far,
        'born'
    ) AS birth_date,
    struct_extract(
        last_value(
            CASE WHEN event <> 'BeneficiaryExited' THEN {'district': district} END IGNORE NULLS
        ) OVER so_far,
        'district'
    ) AS placed_in
FROM kept
WINDOW
    stretch AS (PARTITION BY originator ORDER BY effective_date, position),
    so_far AS (
        PARTITION BY originator ORDER BY effective_date, position
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    );
