-- One row per retraction extracted since the last resolution (positions above $after): the
-- position of the event it retracts, which is on the same aggregate, and when it was retracted.
INSERT INTO retracted
SELECT target.position, retraction.recorded_at
FROM (
    SELECT originator, retracts, recorded_at
    FROM facts
    WHERE event = 'EventRetracted' AND position > $after
) AS retraction
JOIN facts AS target
    ON target.originator = retraction.originator
    AND target.event_id = retraction.retracts
WHERE target.event <> 'EventRetracted';
