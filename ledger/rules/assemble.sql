-- The timeline of a file: the stored events it touches, decoded, and its own lines, with the
-- timeline each reversal and retraction joins (the payment's, the retracted event's), and each
-- line's place in its timeline (`moment`: effective date, ties by recording order).
--
-- Inputs: `stored_rows` (seq, originator, topic, state) and `file_lines` (ledger/recording/
-- columns.py), `taken_payments` (payment ids recorded before, found by their keys).

CREATE OR REPLACE TEMP TABLE stored AS
SELECT seq, NULL::INTEGER AS line,
    CASE WHEN topic LIKE '%:Programme.%' THEN 'programme'
         WHEN topic LIKE '%:District.%' THEN 'district' ELSE 'enrolment' END AS kind,
    originator AS timeline, split_part(topic, '.', -1) AS event,
    v[1] AS event_id, CAST(v[2] AS DATE) AS effective_date, NULL::DATE AS recorded_day,
    v[3] AS programme, v[4] AS beneficiary, v[5] AS district, NULL::DATE AS birth_date,
    v[6] AS benefit, v[7] AS currency, v[8] AS payment, v[9] AS retracts,
    v[10] AS province, CAST(CAST(v[11] AS JSON) AS VARCHAR[]) AS successors,
    CAST(CAST(v[12] AS JSON) AS VARCHAR[]) AS carved_from
FROM (
    SELECT seq, originator, topic, json_extract_string(state, {paths}) AS v
    FROM stored_rows
);

CREATE OR REPLACE TEMP TABLE lines AS
SELECT seq, line, kind, timeline, event, event_id, effective_date, recorded_day, programme,
    beneficiary, district, birth_date, benefit,
    CASE WHEN event = 'PaymentRecorded' THEN coalesce(currency, (
        SELECT r.currency FROM (SELECT programme, currency, seq FROM stored
                                WHERE event = 'ProgrammeRegistered'
                                UNION ALL SELECT programme, currency, seq FROM file_lines
                                WHERE event = 'ProgrammeRegistered') r
        WHERE r.programme = f.programme ORDER BY r.seq LIMIT 1))
    ELSE currency END AS currency,
    payment, retracts, province, successors, carved_from,
    -- what only storing the line needs
    digest, sex, household, name, amount, period, reason, operator, note
FROM file_lines f;

-- A reversal joins the timeline of the payment it names (recorded, or a line of the file).
UPDATE lines SET timeline = coalesce(lines.timeline, owner.timeline),
    beneficiary = owner.beneficiary
FROM (
    SELECT programme, payment, timeline, beneficiary FROM (
        SELECT programme, payment, timeline, beneficiary, seq FROM stored
        WHERE event = 'PaymentRecorded'
        UNION ALL
        SELECT programme, payment, timeline, beneficiary, seq FROM lines
        WHERE event = 'PaymentRecorded'
    )
    QUALIFY row_number() OVER (PARTITION BY programme, payment ORDER BY seq) = 1
) owner
WHERE lines.event = 'PaymentReversed'
    AND owner.programme = lines.programme AND owner.payment = lines.payment;

-- A retraction joins the timeline of the event it names.
UPDATE lines SET timeline = target.timeline, kind = target.kind, programme = target.programme,
    beneficiary = target.beneficiary,
    district = CASE WHEN target.kind = 'district' THEN target.district ELSE lines.district END
FROM (
    SELECT event_id, timeline, kind, programme, beneficiary, district FROM (
        SELECT event_id, timeline, kind, programme, beneficiary, district, seq FROM stored
        UNION ALL
        SELECT event_id, timeline, kind, programme, beneficiary, district, seq FROM lines
        WHERE event <> 'EventRetracted' OR timeline IS NOT NULL
    )
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY seq) = 1
) target
WHERE lines.event = 'EventRetracted' AND target.event_id = lines.retracts;

CREATE OR REPLACE TEMP TABLE timeline AS
SELECT seq, line, kind, timeline, event, event_id, effective_date, recorded_day, programme,
    beneficiary, district, birth_date, benefit, currency, payment, retracts, province,
    successors, carved_from,
    CAST(date_diff('day', DATE '1900-01-01', effective_date) AS BIGINT) * 1000000000000
        + seq AS moment
FROM (SELECT * FROM stored UNION ALL BY NAME SELECT * FROM lines);

-- Each recorded timeline's last version (the file's lines follow it).
CREATE OR REPLACE TEMP TABLE versions AS
SELECT originator AS timeline, count(*) AS version FROM stored_rows GROUP BY originator;

DROP TABLE stored;
