-- SPEC §15, rule 12: A district is retired only when no programme covers it and nobody is
-- active there from that date on; and only once.
--
-- Day by day, as rules 3–5: a withdrawal or a transfer out on the day of the retirement leaves
-- it vacant. The refusal names the coverage or the presence it contradicts: a retirement line of
-- the file is refused itself; a recorded retirement contradicted by a line (a back-dated
-- enrolment still active after it, a retracted withdrawal) is reported on that line.

SELECT r.seq, 12 AS rule, 'district' AS field,
    'programme ' || q(c.programme) || ' covers district ' || r.district || ' on '
        || r.effective_date || ' (withdraw it first)' AS message,
    c.expanded_by AS contradicts, 60 AS precedence, x.timeline AS also
FROM retirement r
JOIN cover c ON c.district = r.district AND c.start <= r.effective_date
    AND (c.finish IS NULL OR c.finish > r.effective_date)
LEFT JOIN facts x ON x.event_id = c.expanded_by

UNION ALL

SELECT r.seq, 12, 'district',
    'beneficiary ' || p.beneficiary || ' of ' || q(p.programme) || ' is active in district '
        || r.district || ' after ' || r.effective_date || ' (transfer or exit them first)',
    p.entered_by, 61, p.timeline
FROM retirement r
JOIN presence p ON p.district = r.district AND p.start <= r.effective_date
    AND (p.finish IS NULL OR p.finish > r.effective_date)

UNION ALL

SELECT t.seq, 12, 'district',
    'district ' || t.district || ' is already retired on ' || r.effective_date,
    r.event_id, 40, NULL
FROM facts t JOIN retirement r ON r.district = t.district AND r.moment < t.moment
WHERE t.event = 'DistrictRetired'
