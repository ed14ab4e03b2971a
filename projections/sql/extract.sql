-- One row per stored event of the Arrow batch `raw_events` (position, originator, topic, state as
-- JSON text):
-- the event name is the topic after its last ".", the rest comes from the state's fields.
-- Rows keep the batch's (position) order: DuckDB preserves insertion order.
INSERT INTO facts
SELECT
    CAST(position AS BIGINT) AS position,
    CAST(originator AS UUID) AS originator,
    CAST(split_part(topic, '.', -1) AS event_name) AS event,
    CAST(v[1] AS TIMESTAMPTZ) AS recorded_at,
    CAST(v[2] AS DATE) AS effective_date,
    CAST(v[3] AS VARCHAR) AS event_id,
    CAST(v[4] AS VARCHAR) AS programme,
    CAST(v[5] AS VARCHAR) AS district,
    CAST(v[6] AS VARCHAR) AS sex,
    CAST(v[7] AS DATE) AS birth_date,
    CAST(v[8] AS VARCHAR) AS payment,
    CAST(v[9] AS DECIMAL(38, 2)) AS amount,
    CAST(v[10] AS VARCHAR) AS period,
    CAST(v[11] AS VARCHAR) AS currency,
    CAST(v[12] AS VARCHAR) AS retracts
FROM (
    SELECT
        position,
        originator,
        topic,
        json_extract_string(state, [
            '$.timestamp._data_',
            '$.effective_date._data_',
            '$.event_id',
            '$.programme',
            '$.district',
            '$.sex',
            '$.birth_date._data_',
            '$.payment',
            '$.amount._data_',
            '$.period',
            '$.currency',
            '$.retracts'
        ]) AS v
    FROM raw_events
);
