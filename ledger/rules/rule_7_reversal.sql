-- SPEC §3, rule 7: A reversal names a recorded, unreversed payment and is effective on or after
-- it.
--
-- The payment is found by its id in the programme; the reversal joins that payment's timeline.

SELECT seq, 7 AS rule, 'payment' AS field,
    'payment ' || q(payment) || ' is not recorded in ' || q(programme) AS message,
    NULL AS contradicts, 20 AS precedence, NULL AS also
FROM timeline
WHERE line IS NOT NULL AND event = 'PaymentReversed' AND timeline IS NULL

UNION ALL

SELECT r.seq, 7, 'payment',
    'payment ' || q(r.payment) || ' is not recorded on or before ' || r.effective_date,
    NULL, 40, NULL
FROM facts r
WHERE r.event = 'PaymentReversed' AND r.timeline IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM facts p
    WHERE p.event = 'PaymentRecorded' AND p.timeline = r.timeline AND p.payment = r.payment
        AND p.moment < r.moment
)

UNION ALL

SELECT r.seq, 7, 'payment', 'payment ' || q(r.payment) || ' is already reversed',
    earlier.event_id, 41, NULL
FROM facts r
JOIN facts earlier ON earlier.event = 'PaymentReversed' AND earlier.timeline = r.timeline
    AND earlier.payment = r.payment AND earlier.moment < r.moment
WHERE r.event = 'PaymentReversed'
QUALIFY row_number() OVER (PARTITION BY r.seq ORDER BY earlier.moment) = 1
