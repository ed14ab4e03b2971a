-- One row per stored event of the Arrow batch `raw_events` (position, originator, topic, state as
-- JSON text):
-- the event name is the topic after its last ".", the rest comes from the state's fields.
-- Rows keep the batch's (position) order: DuckDB preserves insertion order.
-- Where each field is in the state is the codec's to say (ledger/codec/fields.py): the
-- placeholders are filled from its table (projections/facts.py) — the list of
-- paths, read from the state in one pass, and each field's place in that list.
INSERT INTO facts
SELECT
    CAST(position AS BIGINT) AS position,
    CAST(originator AS UUID) AS originator,
    CAST(split_part(topic, '.', -1) AS event_name) AS event,
    CAST({recorded_at} AS TIMESTAMPTZ) AS recorded_at,
    CAST({effective_date} AS DATE) AS effective_date,
    CAST({event_id} AS VARCHAR) AS event_id,
    CAST({programme} AS VARCHAR) AS programme,
    CAST({district} AS VARCHAR) AS district,
    CAST({sex} AS VARCHAR) AS sex,
    CAST({birth_date} AS DATE) AS birth_date,
    CAST({payment} AS VARCHAR) AS payment,
    CAST({amount} AS DECIMAL(38, 2)) AS amount,
    CAST({period} AS VARCHAR) AS period,
    CAST({currency} AS VARCHAR) AS currency,
    CAST({retracts} AS VARCHAR) AS retracts,
    CAST({province} AS VARCHAR) AS province,
    CAST({name} AS VARCHAR) AS name,
    CAST(CAST({successors} AS JSON) AS VARCHAR[]) AS successors
FROM (
    SELECT position, originator, topic, json_extract_string(state, {paths}) AS v
    FROM raw_events
);
