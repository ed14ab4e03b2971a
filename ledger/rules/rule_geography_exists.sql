-- SPEC §15, rule 11: A fact's district must exist on its effective date.
--
-- Every district a fact names: the one it is in (an expansion, a withdrawal, an enrolment, a
-- transfer, a district's own renaming or retirement), those a new district is carved from and a
-- retired one's successors. A code the ledger has never known is refused as SPEC §2 says, as not
-- in the geography. A fact dated before its district's establishment or after its retirement
-- names that event — so a back-dated retirement that later facts contradict is refused on the
-- retirement, naming the fact (blame.sql). A recorded fact is judged only where the file touches
-- its district's timeline: the districts the file names are gathered, no others (what held
-- before the file, elsewhere, still does).

WITH named AS (
    SELECT seq, line, effective_date, district, 'district' AS field FROM facts
    WHERE district IS NOT NULL AND event <> 'DistrictEstablished'
    UNION ALL
    SELECT seq, line, effective_date, unnest(carved_from), 'from' FROM facts
    WHERE event = 'DistrictEstablished' AND carved_from IS NOT NULL
    UNION ALL
    SELECT seq, line, effective_date, unnest(successors), 'successors' FROM facts
    WHERE event = 'DistrictRetired' AND successors IS NOT NULL
)
SELECT n.seq,
    CASE WHEN l.district IS NOT NULL THEN 11 END AS rule,
    n.field,
    CASE WHEN l.district IS NULL
            THEN n.district || ' is not a district of the ledger''s geography'
        WHEN n.effective_date < l.established
            THEN 'district ' || n.district || ' does not exist on ' || n.effective_date
                || ': it is established on ' || l.established
        ELSE 'district ' || n.district || ' is retired on ' || l.retired
            || ' (its successors: ' || array_to_string(r.successors, ', ') || ')'
    END AS message,
    CASE WHEN l.district IS NULL THEN NULL
        WHEN n.effective_date < l.established THEN l.established_by
        ELSE l.retired_by END AS contradicts,
    CASE WHEN l.district IS NULL THEN 2 ELSE 15 END AS precedence,
    d.timeline AS also
FROM named n
LEFT JOIN lifetimes l ON l.district = n.district
LEFT JOIN retirement r ON r.district = n.district
LEFT JOIN district_timelines d ON d.district = n.district
WHERE (l.district IS NULL OR n.effective_date < l.established OR n.effective_date > l.retired)
    AND (n.line IS NOT NULL OR d.timeline IS NOT NULL)
