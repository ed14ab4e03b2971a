-- SPEC §3, rule 8: A retraction names an existing, unretracted event, and the timeline without
-- that event must still satisfy the rules (retract the payments before the enrolment they depend
-- on, or both in one file).
--
-- The second half needs no query of its own: every rule is checked over the facts without the
-- retracted events, and a fact that no longer holds is blamed on the retraction (blame.sql).

SELECT r.seq, 8 AS rule, 'retracts' AS field, 'no event ' || q(r.retracts) || ' is recorded' AS message,
    NULL AS contradicts, 20 AS precedence, NULL AS also
FROM timeline r
WHERE r.line IS NOT NULL AND r.event = 'EventRetracted' AND r.timeline IS NULL

UNION ALL

SELECT r.seq, 8, 'retracts',
    'event ' || q(r.retracts) || ' is itself a retraction; record the fact again instead',
    NULL, 40, NULL
FROM timeline r JOIN timeline target ON target.event_id = r.retracts
WHERE r.line IS NOT NULL AND r.event = 'EventRetracted' AND target.event = 'EventRetracted'

UNION ALL

SELECT r.seq, 8, 'retracts', 'event ' || q(r.retracts) || ' is already retracted',
    earlier.event_id, 41, NULL
FROM timeline r
JOIN timeline earlier ON earlier.event = 'EventRetracted' AND earlier.retracts = r.retracts
    AND earlier.seq < r.seq
WHERE r.line IS NOT NULL AND r.event = 'EventRetracted'
QUALIFY row_number() OVER (PARTITION BY r.seq ORDER BY earlier.seq) = 1
