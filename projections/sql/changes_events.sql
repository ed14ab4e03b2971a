-- One row per programme × kind of change: the events that count in the later picture (as of
-- $after_as_of, as known at $after_known_at) and not in the earlier one (as of $before_as_of,
-- as known at $before_known_at) are `added`; those that counted then and no longer do (retracted
-- in between) are `removed`. Between two dates this is what happened in between; between two
-- knowledge times for one date, what late recordings (added) and retractions (removed) changed.
WITH
earlier AS (
    SELECT *
    FROM known_facts($before_known_at, $programme)
    WHERE effective_date <= $before_as_of
),
later AS (
    SELECT *
    FROM known_facts($after_known_at, $programme)
    WHERE effective_date <= $after_as_of
),
delta AS (
    SELECT 'added' AS side, l.* FROM later AS l ANTI JOIN earlier AS e ON l.position = e.position
    UNION ALL
    SELECT 'removed' AS side, e.* FROM earlier AS e ANTI JOIN later AS l ON e.position = l.position
),
-- The amount a reversal takes back is that of the payment it names.
paid AS (
    SELECT programme, payment, any_value(amount) AS amount
    FROM facts
    WHERE event = 'PaymentRecorded'
    GROUP BY programme, payment
),
valued AS (
    SELECT
        d.side,
        d.programme,
        d.event,
        -- A beneficiary is its enrolment (one per programme and id); a programme's own
        -- events have none.
        CASE WHEN d.event NOT IN ('ProgrammeRegistered', 'DistrictExpanded', 'DistrictWithdrawn')
             THEN d.originator END AS beneficiary,
        CASE
            WHEN d.event = 'PaymentRecorded' THEN d.amount
            WHEN d.event = 'PaymentReversed' THEN p.amount
        END AS amount
    FROM delta AS d
    LEFT JOIN paid AS p ON d.event = 'PaymentReversed'
        AND p.programme = d.programme AND p.payment = d.payment
),
kinds (ordinal, change, event) AS (
    VALUES
        (1, 'entries', 'BeneficiaryEnrolled'),
        (2, 'exits', 'BeneficiaryExited'),
        (3, 'transfers', 'BeneficiaryTransferred'),
        (4, 'expansions', 'DistrictExpanded'),
        (5, 'withdrawals', 'DistrictWithdrawn'),
        (6, 'payments', 'PaymentRecorded'),
        (7, 'reversals', 'PaymentReversed'),
        (8, 'registrations', 'ProgrammeRegistered')
),
programmes AS (
    SELECT programme, any_value(currency) AS currency
    FROM (
        SELECT programme, currency FROM later WHERE event = 'ProgrammeRegistered'
        UNION ALL
        SELECT programme, currency FROM earlier WHERE event = 'ProgrammeRegistered'
    )
    GROUP BY programme
)
SELECT
    CAST(p.programme AS VARCHAR) AS programme,
    CAST(k.change AS VARCHAR) AS change,
    CAST(count(v.side) FILTER (WHERE v.side = 'added') AS BIGINT) AS added,
    CAST(count(v.side) FILTER (WHERE v.side = 'removed') AS BIGINT) AS removed,
    CAST(count(DISTINCT v.beneficiary) AS BIGINT) AS beneficiaries,
    CAST(sum(v.amount) FILTER (WHERE v.side = 'added') AS DECIMAL(38, 2)) AS amount_added,
    CAST(sum(v.amount) FILTER (WHERE v.side = 'removed') AS DECIMAL(38, 2)) AS amount_removed,
    CAST(CASE WHEN k.event IN ('PaymentRecorded', 'PaymentReversed') THEN p.currency END
         AS VARCHAR) AS currency
FROM programmes AS p
CROSS JOIN kinds AS k
LEFT JOIN valued AS v ON v.programme = p.programme AND v.event = k.event
GROUP BY p.programme, k.ordinal, k.change, k.event, p.currency
ORDER BY p.programme, k.ordinal;
