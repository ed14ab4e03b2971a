-- One row per programme × district × period: the payments effective on or before $as_of that
-- count then (not reversed by a reversal effective on or before $as_of), as known at $known_at.
-- A payment's district is the beneficiary's district on the payment's effective date.
WITH paid AS (
    SELECT originator, programme, payment, effective_date, amount, period, currency
    FROM known_facts($known_at, $programme)
    WHERE event = 'PaymentRecorded' AND effective_date <= $as_of
),
reversed AS (
    SELECT DISTINCT programme, payment
    FROM known_facts($known_at, $programme)
    WHERE event = 'PaymentReversed' AND effective_date <= $as_of
),
counted AS NOT MATERIALIZED (
    SELECT paid.*
    FROM paid
    ANTI JOIN reversed ON reversed.programme = paid.programme
        AND reversed.payment = paid.payment
),
-- (counted is read by the one branch that runs: not materialized.)
-- Beneficiaries whose timeline nothing recorded after $known_at changed (all of them when
-- $current) are placed by the current_timeline stretch holding the payment's day (one at most:
-- the stretches of a beneficiary do not overlap); the others by their known events.
changed AS MATERIALIZED (
    SELECT originator FROM changed_since($known_at) WHERE NOT $current
),
located_now AS (
    SELECT counted.*, c.placed_in AS district
    FROM counted
    LEFT JOIN current_timeline AS c ON c.originator = counted.originator
        AND c.starts <= counted.effective_date
        AND (c.ends IS NULL OR c.ends > counted.effective_date)
    ANTI JOIN changed ON changed.originator = counted.originator
),
-- Where each changed beneficiary is after each day its district changed (the day's last move
-- wins).
placed AS (
    SELECT k.originator, k.effective_date, arg_max(k.district, k.position) AS district
    FROM known_facts($known_at, $programme) AS k
    SEMI JOIN changed ON changed.originator = k.originator
    WHERE k.effective_date <= $as_of
      AND k.event IN ('BeneficiaryEnrolled', 'BeneficiaryTransferred')
    GROUP BY k.originator, k.effective_date
),
located_then AS (
    SELECT counted.*, placed.district
    FROM (SELECT * FROM counted SEMI JOIN changed ON changed.originator = counted.originator)
        AS counted
    ASOF LEFT JOIN placed ON placed.originator = counted.originator
        AND counted.effective_date >= placed.effective_date
    WHERE NOT $current
),
located AS (
    SELECT * FROM located_now
    UNION ALL
    SELECT * FROM located_then
)
SELECT
    CAST(l.programme AS VARCHAR) AS programme,
    CAST(g.province AS VARCHAR) AS province,
    CAST(l.district AS VARCHAR) AS district,
    CAST(l.period AS VARCHAR) AS period,
    CAST(count(*) AS BIGINT) AS payments,
    CAST(count(DISTINCT l.originator) AS BIGINT) AS beneficiaries_paid,  -- one enrolment per beneficiary
    CAST(sum(l.amount) AS DECIMAL(38, 2)) AS amount,
    CAST(l.currency AS VARCHAR) AS currency,
    CAST(g.province_name AS VARCHAR) AS province_name,
    CAST(g.district_name AS VARCHAR) AS district_name,
    CAST($known_at AS TIMESTAMPTZ) AS known_at
FROM located AS l
LEFT JOIN geography AS g ON g.district = l.district
GROUP BY l.programme, g.province, g.province_name, g.district_name, l.district, l.period, l.currency
ORDER BY programme, province, district, period, currency;
