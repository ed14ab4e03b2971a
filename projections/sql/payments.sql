-- One row per programme × district × period: the payments effective on or before $as_of that
-- count then (not reversed by a reversal effective on or before $as_of), as known at $known_at.
-- A payment's district is the beneficiary's district on the payment's effective date.
WITH known AS (
    SELECT *
    FROM known_facts($known_at, $programme)
    WHERE effective_date <= $as_of
      AND event IN (
          'PaymentRecorded', 'PaymentReversed', 'BeneficiaryEnrolled', 'BeneficiaryTransferred'
      )
),
paid AS (
    SELECT originator, programme, beneficiary, payment, effective_date, amount, period, currency
    FROM known
    WHERE event = 'PaymentRecorded'
),
reversed AS (
    SELECT DISTINCT programme, payment
    FROM known
    WHERE event = 'PaymentReversed'
),
counted AS (
    SELECT paid.*
    FROM paid
    ANTI JOIN reversed ON reversed.programme = paid.programme
        AND reversed.payment = paid.payment
),
-- Where each beneficiary is after each day its district changed (the day's last move wins).
placed AS (
    SELECT originator, effective_date, arg_max(district, position) AS district
    FROM known
    WHERE event IN ('BeneficiaryEnrolled', 'BeneficiaryTransferred')
    GROUP BY originator, effective_date
),
located AS (
    SELECT counted.*, placed.district
    FROM counted
    ASOF LEFT JOIN placed ON placed.originator = counted.originator
        AND counted.effective_date >= placed.effective_date
)
SELECT
    CAST(l.programme AS VARCHAR) AS programme,
    CAST(g.province AS VARCHAR) AS province,
    CAST(l.district AS VARCHAR) AS district,
    CAST(l.period AS VARCHAR) AS period,
    CAST(count(*) AS BIGINT) AS payments,
    CAST(count(DISTINCT l.beneficiary) AS BIGINT) AS beneficiaries_paid,
    CAST(sum(l.amount) AS DECIMAL(38, 2)) AS amount,
    CAST(l.currency AS VARCHAR) AS currency,
    CAST($known_at AS TIMESTAMPTZ) AS known_at
FROM located AS l
LEFT JOIN geography AS g ON g.district = l.district
GROUP BY l.programme, g.province, l.district, l.period, l.currency
ORDER BY programme, province, district, period, currency;
