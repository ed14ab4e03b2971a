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
    'EventRetracted'
);

-- One row per stored event, in notification order: when it took effect, when it was recorded,
-- and the fields the projections use (NULL where the event has no such field).
CREATE TABLE IF NOT EXISTS facts (
    position BIGINT NOT NULL,          -- notification id in the event store
    originator UUID NOT NULL,          -- the aggregate: one programme, or one enrolment
    event event_name NOT NULL,         -- SPEC §2 event name
    recorded_at TIMESTAMPTZ NOT NULL,  -- r: transaction time
    effective_date DATE NOT NULL,      -- d: valid time
    event_id VARCHAR NOT NULL,         -- ledger-wide unique id (what a retraction names)
    programme VARCHAR,
    beneficiary VARCHAR,
    district VARCHAR,
    sex VARCHAR,
    birth_date DATE,
    payment VARCHAR,
    amount DECIMAL(38, 2),
    period VARCHAR,
    currency VARCHAR,
    retracts VARCHAR
);

-- One row per retracted event: its position and when the retraction was recorded (what
-- `EventRetracted.retracts` names, resolved once to a position so queries join on integers).
CREATE TABLE IF NOT EXISTS retracted (
    position BIGINT NOT NULL,
    retracted_at TIMESTAMPTZ NOT NULL
);

-- One row: the last store position whose event is in `facts`, updated in the same transaction
-- as the rows, so an interrupted or repeated update never loses or doubles an event; and the
-- position up to which retractions are resolved into `retracted`.
CREATE TABLE IF NOT EXISTS progress (
    schema_version INTEGER NOT NULL,
    position BIGINT NOT NULL,
    last_event_id VARCHAR,             -- the event at `position`, to recognise the same store
    store VARCHAR NOT NULL,
    retractions_resolved BIGINT NOT NULL
);
