-- SPEC §3, rule 6: Payments only in cash programmes, only to a beneficiary active on the
-- payment's effective date; payment ids unique in the programme; amount > 0; currency = the
-- programme's.
--
-- (Amounts are checked as the line is read: an amount of 0 or less is not an amount.) A payment
-- id stays taken once recorded, even when its payment is retracted. An in-kind programme has no
-- currency at all. A line that repeats a recorded payment but names another currency is wrong,
-- not already recorded (a payment's id leaves its currency out).

SELECT seq, 6 AS rule, 'currency' AS field, 'an in-kind programme has no currency' AS message,
    NULL AS contradicts, 40 AS precedence, NULL AS also
FROM timeline
WHERE line IS NOT NULL AND event = 'ProgrammeRegistered' AND benefit = 'in-kind'
    AND currency IS NOT NULL

UNION ALL

SELECT f.seq, 6, 'programme', 'payments are recorded only in cash programmes', NULL, 40, NULL
FROM facts f JOIN registration r USING (programme)
WHERE f.event = 'PaymentRecorded' AND r.benefit <> 'cash'

UNION ALL

SELECT f.seq, 6, 'currency',
    'currency ' || f.currency || ' is not the programme''s (' || coalesce(r.currency, '') || ')',
    NULL, 41, NULL
FROM (SELECT seq, programme, currency, event FROM facts
      UNION ALL SELECT seq, programme, currency, 'PaymentRecorded' FROM repeats) f
JOIN registration r USING (programme)
WHERE f.event = 'PaymentRecorded' AND r.benefit = 'cash' AND f.currency IS NOT NULL
    AND f.currency IS DISTINCT FROM r.currency

UNION ALL

SELECT t.seq, 6, 'payment',
    'payment id ' || q(t.payment) || ' is already used in this programme',
    coalesce(k.event_id, first.event_id), 42, NULL
FROM timeline t
LEFT JOIN taken_payments k ON k.programme = t.programme AND k.payment = t.payment
LEFT JOIN (
    SELECT programme, payment, event_id, seq FROM timeline
    WHERE event = 'PaymentRecorded' AND line IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY programme, payment ORDER BY seq) = 1
) first ON first.programme = t.programme AND first.payment = t.payment AND first.seq < t.seq
WHERE t.line IS NOT NULL AND t.event = 'PaymentRecorded'
    AND (k.event_id IS NOT NULL OR first.event_id IS NOT NULL)

UNION ALL

SELECT p.seq, 6, 'beneficiary', 'cannot pay: the beneficiary is not active on ' || p.effective_date,
    NULL, 43, NULL
FROM facts p
ASOF LEFT JOIN episodes e ON e.timeline = p.timeline AND p.moment > e.moment
WHERE p.event = 'PaymentRecorded'
    AND NOT coalesce(e.active_after, false)
    AND EXISTS (SELECT 1 FROM timeline x WHERE x.timeline = p.timeline AND x.event = 'BeneficiaryEnrolled')
