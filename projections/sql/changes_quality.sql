-- One row per programme: how the picture as of $as_of, as known at $known_at, was recorded —
-- the events that count; how many were recorded late, after the calendar month in which they
-- took effect had ended (so a month-end figure made on time missed them; recorded times are
-- taken in UTC); the median and longest delay between taking effect and being recorded; the
-- retractions recorded by then (of events effective by $as_of); and the payments reversed.
WITH
counted AS (
    SELECT *
    FROM known_facts($known_at, $programme)
    WHERE effective_date <= $as_of
),
lags AS (
    SELECT
        programme,
        effective_date,
        CAST(timezone('UTC', recorded_at) AS DATE) AS recorded_on,
        date_diff('day', effective_date, CAST(timezone('UTC', recorded_at) AS DATE)) AS lag_days
    FROM counted
),
retractions AS (
    SELECT r.programme, count(*) AS retractions
    FROM facts AS r
    JOIN facts AS t ON t.event_id = r.retracts
    WHERE r.event = 'EventRetracted'
      AND r.recorded_at <= $known_at
      AND t.effective_date <= $as_of
      AND ($programme IS NULL OR r.programme = $programme)
    GROUP BY r.programme
),
paid AS (
    SELECT programme, payment, any_value(amount) AS amount
    FROM counted
    WHERE event = 'PaymentRecorded'
    GROUP BY programme, payment
),
reversals AS (
    SELECT r.programme, count(*) AS reversals, sum(p.amount) AS amount_reversed
    FROM counted AS r
    LEFT JOIN paid AS p ON p.programme = r.programme AND p.payment = r.payment
    WHERE r.event = 'PaymentReversed'
    GROUP BY r.programme
),
recording AS (
    SELECT
        programme,
        count(*) AS events,
        count(*) FILTER (WHERE recorded_on > last_day(effective_date)) AS late_recordings,
        median(lag_days) AS median_delay_days,
        max(lag_days) AS longest_delay_days
    FROM lags
    GROUP BY programme
)
SELECT
    CAST(c.programme AS VARCHAR) AS programme,
    CAST(c.events AS BIGINT) AS events,
    CAST(c.late_recordings AS BIGINT) AS late_recordings,
    CAST(coalesce(c.median_delay_days, 0) AS DOUBLE) AS median_delay_days,
    CAST(coalesce(c.longest_delay_days, 0) AS BIGINT) AS longest_delay_days,
    CAST(coalesce(t.retractions, 0) AS BIGINT) AS retractions,
    CAST(coalesce(v.reversals, 0) AS BIGINT) AS reversals,
    CAST(coalesce(v.amount_reversed, 0) AS DECIMAL(38, 2)) AS amount_reversed
FROM recording AS c
LEFT JOIN retractions AS t ON t.programme = c.programme
LEFT JOIN reversals AS v ON v.programme = c.programme
ORDER BY c.programme;
