-- SPEC §15: each district's life on the timeline of a file, read after timeline.sql.
--
-- `shipped_districts` is the reference geography as shipped: the state before any geography
-- event, each of its districts existing since ever. A district the ledger establishes exists
-- from its establishment's effective date; a retired one until its retirement's, inclusive (the
-- day a district is retired its last facts are recorded: the withdrawals, the transfers out).

-- Each code's first establishment (a second is refused: codes are never reused) and first
-- retirement, as facts.
CREATE OR REPLACE TEMP TABLE establishment AS
SELECT district, province, effective_date, event_id, seq, timeline FROM facts
WHERE event = 'DistrictEstablished'
QUALIFY row_number() OVER (PARTITION BY district ORDER BY seq) = 1;

CREATE OR REPLACE TEMP TABLE retirement AS
SELECT district, effective_date, event_id, seq, moment, timeline, successors FROM facts
WHERE event = 'DistrictRetired'
QUALIFY row_number() OVER (PARTITION BY district ORDER BY moment) = 1;

-- Every district the timeline knows, with when it exists: [established, retired], established
-- NULL for a shipped district (since ever), retired NULL while it exists.
CREATE OR REPLACE TEMP TABLE lifetimes AS
SELECT coalesce(s.district, e.district) AS district,
    s.district IS NOT NULL AS shipped,
    CASE WHEN s.district IS NULL THEN e.effective_date END AS established,
    CASE WHEN s.district IS NULL THEN e.event_id END AS established_by,
    r.effective_date AS retired, r.event_id AS retired_by
FROM shipped_districts s
FULL JOIN establishment e ON e.district = s.district
LEFT JOIN retirement r ON r.district = coalesce(s.district, e.district);

-- Each district's own timeline (its events, retracted or not): what a refusal of a fact in a
-- district that is not there involves.
CREATE OR REPLACE TEMP TABLE district_timelines AS
SELECT DISTINCT district, timeline FROM timeline WHERE kind = 'district' AND district IS NOT NULL;
