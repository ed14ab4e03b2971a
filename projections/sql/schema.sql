-- The projections' own tables: the columnar facts extracted from the event store, and how far
-- extraction has got. Rebuilt from the store at any time; never the source of truth.

CREATE TYPE IF NOT EXISTS event_name AS ENUM (
    'ProgrammeRegistered',
    'DistrictExpanded',
    'DistrictWithdrawn',
    'BeneficiaryEnrolled',
    'BeneficiaryTransferred',
    'BeneficiaryExited',
    'PaymentRecorded',
    'PaymentReversed',
    'EventRetracted',
    'DistrictEstablished',
    'DistrictRenamed',
    'DistrictRetired'
);

-- One row per stored event, in notification order: when it took effect, when it was recorded,
-- and the fields the projections use (NULL where the event has no such field). A beneficiary is
-- its enrolment, `originator` (one per programme and beneficiary id), so the beneficiary's id
-- is not copied (the file is a fifth smaller for it).
-- The two columns with a value per event or per payment are stored uncompressed: finding a
-- compression for them cost DuckDB much of each event's extraction, and saved little room
-- (docs/performance.md).
CREATE TABLE IF NOT EXISTS facts (
    position BIGINT NOT NULL,          -- notification id in the event store
    originator UUID NOT NULL,          -- the aggregate: one programme, or one enrolment
    event event_name NOT NULL,         -- SPEC §2 event name
    recorded_at TIMESTAMPTZ NOT NULL,  -- r: transaction time
    effective_date DATE NOT NULL,      -- d: valid time
    event_id VARCHAR USING COMPRESSION uncompressed NOT NULL,  -- ledger-wide unique id (what a
                                                               -- retraction names)
    programme VARCHAR,
    district VARCHAR,
    sex VARCHAR,
    birth_date DATE,
    payment VARCHAR USING COMPRESSION uncompressed,
    amount DECIMAL(38, 2),
    period VARCHAR,
    currency VARCHAR,
    retracts VARCHAR,
    province VARCHAR,                  -- a district's (SPEC §15), on its own events
    name VARCHAR,                      -- a programme's or a district's name
    successors VARCHAR[]               -- a retired district's successors
);

-- One row per retracted event: its position and when the retraction was recorded (what
-- `EventRetracted.retracts` names, resolved once to a position so queries join on integers).
CREATE TABLE IF NOT EXISTS retracted (
    position BIGINT NOT NULL,
    retracted_at TIMESTAMPTZ NOT NULL
);

-- One row per enrolment, transfer or exit of the timeline as known now (every event recorded,
-- none retracted): the stretch it holds, from its effective date until the beneficiary's next
-- one, with the sex and birth date of the latest enrolment up to it and the district the
-- beneficiary is placed in. Kept current for the beneficiaries each update touches, so questions
-- as known now need no per-beneficiary sort.
CREATE TABLE IF NOT EXISTS current_timeline (
    originator UUID NOT NULL,
    programme VARCHAR NOT NULL,
    event event_name NOT NULL,
    district VARCHAR,                  -- NULL for an exit
    position BIGINT NOT NULL,          -- of the event
    starts DATE NOT NULL,              -- its effective date
    ends DATE,                         -- the next event's effective date; NULL while it holds
    sex VARCHAR,                       -- NULL before any enrolment
    birth_date DATE,
    placed_in VARCHAR                  -- the district of the latest enrolment or transfer up to it
);

-- One row: the last store position whose event is in `facts`, updated in the same transaction
-- as the rows, so an interrupted or repeated update never loses or doubles an event; and the
-- position up to which `retracted` and `current_timeline` are settled.
CREATE TABLE IF NOT EXISTS progress (
    schema_version INTEGER NOT NULL,
    position BIGINT NOT NULL,
    last_event_id VARCHAR,             -- the event at `position`, to recognise the same store
    store VARCHAR NOT NULL,
    settled BIGINT NOT NULL,
    latest_recorded_at TIMESTAMPTZ     -- when the last event was recorded, as of `settled`
);
