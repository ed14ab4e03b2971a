-- Which line of the file each violation is reported on, and how.
--
-- A violation found on a line of the file is reported on that line. One found on a recorded
-- event (which held before this file) was caused by the file: it is reported on the line it
-- contradicts when it names one; otherwise on the file's retractions in the timelines involved
-- ("without X the timeline breaks rule n"); otherwise on the latest line of the file sorted
-- before it in its timeline (a back-dated fact). A violation no line of the file can have caused
-- was in the ledger before and is not this file's. Each line is reported once: for the first
-- check it fails, in the order a reader would check them (`precedence`).

WITH v AS (
    SELECT v.*, s.line AS subject_line, s.event AS subject_event, s.event_id AS subject_id,
        s.effective_date AS subject_date, s.moment AS subject_moment, s.timeline AS subject_timeline,
        s.programme AS subject_programme,
        s.event || ' ' || q(s.event_id) || ' effective ' || s.effective_date AS subject_named
    FROM violations v JOIN (
        SELECT seq, line, event, event_id, effective_date, moment, timeline, programme FROM timeline
        UNION ALL
        SELECT seq, line, 'PaymentRecorded', NULL, NULL, NULL, NULL, programme FROM repeats
    ) s ON s.seq = v.seq
),
recorded AS (SELECT * FROM v WHERE subject_line IS NULL),
named AS (
    SELECT c.line, r.rule, 'effective_date' AS field,
        'it would contradict ' || r.subject_named || ': ' || r.message AS message,
        r.subject_id AS contradicts, 80 AS precedence, r.vid
    FROM recorded r JOIN timeline c ON c.event_id = r.contradicts AND c.line IS NOT NULL
),
involved AS (
    SELECT r.*, x.line AS culprit, x.event AS culprit_event, x.retracts AS culprit_retracts,
        x.moment AS culprit_moment
    FROM (SELECT * FROM recorded ANTI JOIN named USING (vid)) r
    JOIN timeline x ON x.line IS NOT NULL AND (
        x.timeline = r.subject_timeline OR x.timeline = r.also
        OR (x.kind = 'programme' AND x.programme = r.subject_programme))
),
retracting AS (
    -- (A presence left uncovered names what it contradicts itself.)
    SELECT culprit AS line, 8 AS rule, 'retracts' AS field,
        'without ' || q(culprit_retracts) || ' the timeline breaks rule '
            || coalesce(CAST(rule AS VARCHAR), '?') || ': '
            || CASE WHEN rule = 5 THEN message
                    ELSE subject_named || ' would no longer hold: ' || message END AS message,
        CASE WHEN rule = 5 THEN contradicts ELSE subject_id END AS contradicts,
        80 AS precedence, vid
    FROM involved WHERE culprit_event = 'EventRetracted'
),
earlier AS (
    SELECT culprit AS line, rule, 'effective_date' AS field,
        'it would contradict ' || subject_named || ': ' || message AS message,
        subject_id AS contradicts, 80 AS precedence, vid
    FROM (SELECT * FROM involved ANTI JOIN retracting USING (vid))
    WHERE culprit_event <> 'EventRetracted' AND culprit_moment < subject_moment
    QUALIFY row_number() OVER (PARTITION BY vid ORDER BY culprit_moment DESC) = 1
),
reported AS (
    SELECT subject_line AS line, rule, field, message, contradicts, precedence, vid
    FROM v WHERE subject_line IS NOT NULL
    UNION ALL SELECT * FROM named
    UNION ALL SELECT * FROM retracting
    UNION ALL SELECT * FROM earlier
)
SELECT line, rule, field, message, contradicts FROM reported
QUALIFY row_number() OVER (PARTITION BY line ORDER BY precedence, vid) = 1
ORDER BY line
