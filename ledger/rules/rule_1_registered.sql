-- SPEC §3, rule 1: A programme's events need the programme registered on or before their
-- effective date; codes are unique.
--
-- A code is taken by its first registration even once that is retracted, so a second one is
-- refused. An event of a programme that has no registration at all, or whose registration is
-- retracted, names the programme; one dated before the registration names its date.

SELECT t.seq, 1 AS rule, 'programme' AS field,
    'programme code ' || q(t.programme) || ' is taken (codes are never reused)' AS message,
    first.event_id AS contradicts, 10 AS precedence, NULL AS also
FROM timeline t
JOIN (
    SELECT programme, event_id, seq FROM timeline WHERE event = 'ProgrammeRegistered'
    QUALIFY row_number() OVER (PARTITION BY programme ORDER BY seq) = 1
) first ON first.programme = t.programme AND first.seq < t.seq
WHERE t.event = 'ProgrammeRegistered'

UNION ALL

SELECT f.seq, 1, 'programme', 'programme ' || q(f.programme) || ' is not registered',
    NULL, 10, NULL
FROM facts f ANTI JOIN registration r ON r.programme = f.programme
WHERE f.event <> 'ProgrammeRegistered' AND f.programme IS NOT NULL

UNION ALL

SELECT f.seq, 1, CASE WHEN f.kind = 'programme' THEN 'effective_date' ELSE 'programme' END,
    'the programme is not registered on ' || f.effective_date,
    NULL, 30, NULL
FROM facts f JOIN registration r ON r.programme = f.programme
WHERE f.event <> 'ProgrammeRegistered' AND f.effective_date < r.effective_date
