-- SPEC §2: an event's id is unique — within a file too (a line given twice has one id twice).

SELECT seq, NULL AS rule, 'id' AS field,
    q(event_id) || ' is also the id of line ' || first_line AS message,
    NULL AS contradicts, 1 AS precedence, NULL AS also
FROM (
    SELECT seq, event_id, first_value(line) OVER (PARTITION BY event_id ORDER BY seq) AS first_line,
        row_number() OVER (PARTITION BY event_id ORDER BY seq) AS nth
    FROM timeline WHERE line IS NOT NULL
)
WHERE nth > 1
