-- One batch of the SQLite events table as one row of five values: how many events there are,
-- and each column of the batch as one text, the values in position order joined by a comma
-- (positions) or a newline (originators, topics, states). A handful of values per batch, not four
-- per event: the Python objects made per event were most of the cost of reading.
-- The four aggregates take their rows in one pass over the same subquery, so their orders agree.
-- A NULL column is skipped by group_concat: the reader sees the counts differ, and reads that
-- batch row by row instead. {events} is the quoted table name.
SELECT
    count(*),
    group_concat(rowid, ','),
    CAST(group_concat(originator_id, char(10)) AS BLOB),
    CAST(group_concat(topic, char(10)) AS BLOB),
    CAST(group_concat(state, char(10)) AS BLOB)
FROM (
    SELECT rowid, originator_id, topic, state
    FROM {events}
    WHERE rowid > ?
    ORDER BY rowid
    LIMIT ?
)
