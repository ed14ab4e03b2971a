-- SPEC §15, rule 10 (the first of geography's): District codes are never reused.
--
-- A code of the shipped geography, or one established before (even if that establishment was
-- retracted, like a programme's code), cannot be established again.

SELECT t.seq, 10 AS rule, 'district' AS field,
    'district code ' || t.district || ' is taken (codes are never reused)' AS message,
    first.event_id AS contradicts, 10 AS precedence, NULL AS also
FROM timeline t
JOIN (
    SELECT district, event_id, seq FROM timeline WHERE event = 'DistrictEstablished'
    QUALIFY row_number() OVER (PARTITION BY district ORDER BY seq) = 1
) first ON first.district = t.district AND first.seq < t.seq
WHERE t.event = 'DistrictEstablished' AND t.line IS NOT NULL

UNION ALL

SELECT t.seq, 10, 'district',
    'district code ' || t.district || ' is a district of the shipped geography '
        || '(codes are never reused)',
    NULL, 10, NULL
FROM timeline t SEMI JOIN shipped_districts s ON s.district = t.district
WHERE t.event = 'DistrictEstablished' AND t.line IS NOT NULL
