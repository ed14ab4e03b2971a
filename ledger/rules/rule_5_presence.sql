-- SPEC §3, rule 5: An active beneficiary's district stays covered: a withdrawal is refused while
-- anyone is (or later becomes, by the timeline) active there.
--
-- Each presence (a beneficiary active in a district from one episode event to the next) must lie
-- within one spell of coverage, day by day: a spell withdrawn on the day the presence ends
-- holds it. The refusal goes to the withdrawal when it is a line of the file, naming the
-- beneficiary's episode; otherwise to the line that began the presence, naming the withdrawal.
-- (A presence that begins where nothing covers it is rule 3's or rule 4's refusal.)

WITH judged AS (
    SELECT p.*, c.start AS cover_start, c.finish AS cover_finish, c.withdrawn_by, c.withdrawn_seq,
        w.line AS withdrawal_line,
        c.start IS NOT NULL AND (c.finish IS NULL OR c.finish > p.start) AS holds
    FROM presence p
    ASOF LEFT JOIN cover c
        ON c.programme = p.programme AND c.district = p.district AND p.start >= c.start
    LEFT JOIN timeline w ON w.seq = c.withdrawn_seq
),
broken AS (
    SELECT *,
        CASE
            WHEN finish = start THEN CASE WHEN NOT covered_during(programme, district, start)
                THEN 'district ' || district || ' is not covered on ' || start END
            WHEN holds AND cover_finish IS NOT NULL AND (finish IS NULL OR finish > cover_finish)
                THEN 'district ' || district || ' is withdrawn on ' || cover_finish
            WHEN NOT holds AND cover_finish = start
                THEN 'district ' || district || ' is withdrawn on ' || cover_finish
            WHEN NOT holds
                THEN 'district ' || district || ' is not covered on ' || start
        END AS what
    FROM judged
)
SELECT withdrawn_seq AS seq, 5 AS rule, 'district' AS field,
    what || ' while beneficiary ' || beneficiary || ' is active there' AS message,
    entered_by AS contradicts, 60 AS precedence, timeline AS also
FROM broken WHERE what IS NOT NULL AND withdrawal_line IS NOT NULL

UNION ALL

SELECT seq, 5, 'district', what || ' while the beneficiary is active there',
    coalesce(withdrawn_by, entered_by), 70, NULL
FROM broken
WHERE what IS NOT NULL AND withdrawal_line IS NULL AND finish IS DISTINCT FROM start
    AND (holds OR cover_finish = start)

UNION ALL

-- A presence begun by a recorded event, uncovered at its start by this file (a retraction of
-- its expansion, say): refused on whatever line of the file caused it (see blame.sql).
SELECT seq, 5, 'district', what || ' while the beneficiary is active there',
    entered_by, 70, NULL
FROM broken
WHERE what IS NOT NULL AND withdrawal_line IS NULL AND line IS NULL
    AND (finish = start OR (NOT holds AND cover_finish IS DISTINCT FROM start))
