"""Roles, scopes and the one narrow append path of a PostgreSQL store (SPEC §12).

`install` (run by the store's owner, again after each upgrade: every statement is idempotent)
makes, in the store's schema:

- four group roles per store (`group_role`): operator, auditor, analyst, admin;
- `ledger_access`: who holds which ledger role with which scope, one row per grant or revoke
  (append-only like the ledger; the latest row per login is in force);
- `ledger_lock()` and `ledger_append(...)`: SECURITY DEFINER functions, owned by the owner, with a
  fixed `search_path`. They are the only way a ledger role writes events, chain links, keys and
  placements: the lock, the position check, the inserts, the scope check and the sequence;
- `ledger_grant`, `ledger_revoke`, `ledger_whoami`: the access table's own narrow path;
- `ledger_analyst_events`: the events with only the fields the projections read (no birth date,
  household, note, operator or beneficiary id);
- privileges: each group gets SELECT (and EXECUTE) on what it needs and nothing else — no
  UPDATE, DELETE or TRUNCATE for anyone — and triggers refuse UPDATE, DELETE and TRUNCATE on the
  append-only tables for every role, the owner included (it would have to drop them first).
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

ROLES = ("operator", "auditor", "analyst", "admin")
APPEND_ONLY = ("ledger_events", "ledger_chain", "ledger_keys", "ledger_placements", "ledger_tree",
               "ledger_checkpoints", "ledger_access")
"""Tables no one may UPDATE, DELETE or TRUNCATE (ledger_population is reference data the owner
replaces; no ledger role may change it either, by privileges)."""
READ_BY = {
    "operator": ("ledger_events", "ledger_chain", "ledger_keys", "ledger_placements",
                 "ledger_tree", "ledger_checkpoints", "ledger_population"),
    "admin": ("ledger_events", "ledger_chain", "ledger_keys", "ledger_placements", "ledger_tree",
              "ledger_checkpoints", "ledger_population", "ledger_access", "ledger_access_now"),
    "auditor": ("ledger_events", "ledger_chain", "ledger_keys", "ledger_placements",
                "ledger_tree", "ledger_checkpoints", "ledger_population", "ledger_access",
                "ledger_access_now"),
    "analyst": ("ledger_analyst_events", "ledger_population"),
}
INSERTED_BY = {"admin": ("ledger_tree", "ledger_checkpoints")}  # `ledger checkpoint`
EXECUTED_BY = {
    "operator": ("ledger_lock()", "ledger_append(bigint[], uuid[], integer[], text[], bytea[], "
                 "bytea[], text[], uuid[], text[], text[], text[], uuid[])"),
    "admin": ("ledger_lock()", "ledger_append(bigint[], uuid[], integer[], text[], bytea[], "
              "bytea[], text[], uuid[], text[], text[], text[], uuid[])",
              "ledger_grant(name, text, text[], text[])", "ledger_revoke(name)"),
}
ANALYST_FIELDS = ("timestamp", "effective_date", "event_id", "programme", "district", "sex",
                  "payment", "amount", "period", "currency", "retracts")
"""What `ledger_analyst_events` keeps of each state: what projections/sql/extract.sql reads,
except `birth_date` (personal). Every other field — household, note, operator, recorded_by,
beneficiary id, names and reasons — is left out."""
ENROLMENT_TOPIC = "ledger.domain.enrolment:Enrolment."
CLOCK_SKEW_S = 300
"""How far the client's clock may be from the server's when `ledger_append` checks that an event
is stamped with the time it is appended at (SPEC §12)."""


def group_role(database: str, schema: str, role: str) -> str:
    """The PostgreSQL group role of one ledger role in one store (roles are cluster-wide)."""
    name = f"ledger_{database}_{schema}_{role}"
    if len(name.encode()) > 63:
        raise ValueError(f"the role name {name!r} is longer than PostgreSQL allows (63 bytes); "
                         "use a shorter database or schema name")
    return name


def installed(cursor: Any, schema: str) -> bool:
    cursor.execute("SELECT to_regclass(%s)", (sql.Identifier(schema, "ledger_access").as_string(),))
    row = cursor.fetchone()
    return row is not None and row[0] is not None


def install(cursor: Any, database: str, schema: str) -> None:
    """Make (or bring up to date) the roles, tables, functions, view, privileges and triggers."""
    groups = {role: group_role(database, schema, role) for role in ROLES}
    for group in groups.values():
        cursor.execute(sql.SQL(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {name}) THEN "
            "CREATE ROLE {role} NOLOGIN; END IF; END $$").format(
                name=sql.Literal(group), role=sql.Identifier(group)))
    for statement in _DDL:
        cursor.execute(_fill(statement, schema, groups))
    _grant(cursor, schema, groups)
    for table in APPEND_ONLY:
        for trigger, when in (("ledger_no_change", "BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW"),
                              ("ledger_no_truncate", "BEFORE TRUNCATE ON {t} FOR EACH STATEMENT")):
            cursor.execute(sql.SQL(
                "CREATE OR REPLACE TRIGGER {trigger} " + when +
                " EXECUTE FUNCTION {schema}.ledger_refuse_change()").format(
                    trigger=sql.Identifier(trigger), t=sql.Identifier(schema, table),
                    schema=sql.Identifier(schema)))


def _grant(cursor: Any, schema: str, groups: dict[str, str]) -> None:
    s = sql.Identifier(schema)
    everything = [*APPEND_ONLY, "ledger_population", "ledger_analyst_events", "ledger_access_now"]
    functions = {f for fs in EXECUTED_BY.values() for f in fs} | {"ledger_whoami()",
                                                                  "ledger_refuse_change()"}
    for table in everything:
        cursor.execute(sql.SQL("REVOKE ALL ON {} FROM PUBLIC").format(sql.Identifier(schema, table)))
    for function in sorted(functions):
        cursor.execute(sql.SQL("REVOKE ALL ON FUNCTION {}.{} FROM PUBLIC").format(
            s, sql.SQL(function)))
    for role, group in groups.items():
        g = sql.Identifier(group)
        cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(s, g))
        for table in everything:
            cursor.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(
                sql.Identifier(schema, table), g))
        for table in READ_BY[role]:
            cursor.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(
                sql.Identifier(schema, table), g))
        for table in INSERTED_BY.get(role, ()):
            cursor.execute(sql.SQL("GRANT INSERT ON {} TO {}").format(
                sql.Identifier(schema, table), g))
        for function in EXECUTED_BY.get(role, ()):
            cursor.execute(sql.SQL("GRANT EXECUTE ON FUNCTION {}.{} TO {}").format(
                s, sql.SQL(function), g))
        cursor.execute(sql.SQL("GRANT EXECUTE ON FUNCTION {}.ledger_whoami() TO {}").format(s, g))


def _fill(statement: str, schema: str, groups: dict[str, str]) -> sql.Composed:
    fields = ", ".join(f"'{f}', j->'{f}'" for f in ANALYST_FIELDS)
    return sql.SQL(statement).format(
        s=sql.Identifier(schema),
        schema_literal=sql.Literal(schema),
        groups=sql.Literal([groups[r] for r in ROLES]),
        roles=sql.Literal(list(ROLES)),
        enrolment_topic=sql.Literal(ENROLMENT_TOPIC + "%"),
        enrolment_topic_enrolled=sql.Literal(ENROLMENT_TOPIC + "BeneficiaryEnrolled"),
        enrolment_topic_transferred=sql.Literal(ENROLMENT_TOPIC + "BeneficiaryTransferred"),
        analyst_fields=sql.SQL(fields),
        skew=sql.SQL(f"interval '{CLOCK_SKEW_S} seconds'"),
    )


_DDL = [
    # Who holds which role, with which scope: a grant or a revoke (role NULL) per row.
    "CREATE TABLE IF NOT EXISTS {s}.ledger_access (seq bigserial PRIMARY KEY, "
    "login name NOT NULL, role text CHECK (role IN ('operator', 'auditor', 'analyst', 'admin')), "
    "provinces text[] NOT NULL DEFAULT '{{}}', districts text[] NOT NULL DEFAULT '{{}}', "
    "granted_at timestamptz NOT NULL DEFAULT now(), granted_by name NOT NULL DEFAULT session_user)",
    "CREATE OR REPLACE VIEW {s}.ledger_access_now AS SELECT login, role, provinces, districts, "
    "granted_at, granted_by FROM (SELECT DISTINCT ON (login) * FROM {s}.ledger_access "
    "ORDER BY login, seq DESC) latest WHERE role IS NOT NULL",
    # The tables `ledger checkpoint` and `ledger population import` make on demand: made here,
    # so the roles' privileges can name them.
    "CREATE TABLE IF NOT EXISTS {s}.ledger_tree (block BIGINT PRIMARY KEY, "
    "first_position BIGINT NOT NULL, last_position BIGINT NOT NULL, hash BYTEA NOT NULL, "
    "leaves BYTEA NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_checkpoints (number BIGINT PRIMARY KEY, "
    "size BIGINT NOT NULL, root BYTEA NOT NULL, note TEXT NOT NULL, made_at TEXT NOT NULL, "
    "tail BYTEA NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_population (district TEXT NOT NULL, "
    "sex TEXT NOT NULL, age_band TEXT NOT NULL, year INTEGER NOT NULL, "
    "population BIGINT NOT NULL, source TEXT NOT NULL, "
    "PRIMARY KEY (source, year, district, sex, age_band))",
    """CREATE OR REPLACE FUNCTION {s}.ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      RAISE EXCEPTION 'the ledger is append-only: % on %.% is refused', TG_OP, TG_TABLE_SCHEMA,
        TG_TABLE_NAME USING ERRCODE = '42501';
    END $$""",
    # The analysts' events: only what the projections read, never personal fields.
    "CREATE OR REPLACE VIEW {s}.ledger_analyst_events AS SELECT notification_id, originator_id, "
    "originator_version, topic, "
    "convert_to(jsonb_strip_nulls(jsonb_build_object({analyst_fields}))::text, 'UTF8') "
    "AS state FROM (SELECT notification_id, originator_id, originator_version, topic, "
    "convert_from(state, 'UTF8')::jsonb AS j FROM {s}.ledger_events) e",
    """CREATE OR REPLACE FUNCTION {s}.ledger_whoami(OUT role text, OUT provinces text[],
      OUT districts text[]) LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp AS $$
      SELECT role, provinces, districts FROM {s}.ledger_access_now WHERE login = session_user
    $$""",
    """CREATE OR REPLACE FUNCTION {s}.ledger_caller(wanted text[]) RETURNS {s}.ledger_access_now
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE caller {s}.ledger_access_now;
    BEGIN
      SELECT * INTO caller FROM {s}.ledger_access_now WHERE login = session_user;
      IF NOT FOUND OR NOT caller.role = ANY(wanted) THEN
        RAISE EXCEPTION 'the login % is %: this needs the ledger role %', session_user,
          COALESCE('an ' || caller.role, 'not granted a ledger role'), array_to_string(wanted, ' or ')
          USING ERRCODE = '42501';
      END IF;
      RETURN caller;
    END $$""",
    "REVOKE ALL ON FUNCTION {s}.ledger_caller(text[]) FROM PUBLIC",
    """CREATE OR REPLACE FUNCTION {s}.ledger_lock() RETURNS void LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      PERFORM {s}.ledger_caller(ARRAY['operator', 'admin']);
      LOCK TABLE {s}.ledger_events IN EXCLUSIVE MODE;
    END $$""",
    """CREATE OR REPLACE FUNCTION {s}.ledger_append(
      positions bigint[], originators uuid[], versions integer[], topics text[], states bytea[],
      digests bytea[], keys text[], key_originators uuid[], key_digests text[],
      place_programmes text[], place_districts text[], place_originators uuid[])
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
      caller {s}.ledger_access_now := {s}.ledger_caller(ARRAY['operator', 'admin']);
      n integer := COALESCE(cardinality(positions), 0);
      top bigint;
      refused text;
    BEGIN
      LOCK TABLE {s}.ledger_events IN EXCLUSIVE MODE;
      IF n = 0 THEN RETURN; END IF;
      IF cardinality(originators) <> n OR cardinality(versions) <> n OR cardinality(topics) <> n
          OR cardinality(states) <> n OR cardinality(digests) <> n THEN
        RAISE EXCEPTION 'ledger_append: the arrays of events differ in length';
      END IF;
      SELECT GREATEST((SELECT COALESCE(MAX(notification_id), 0) FROM {s}.ledger_events),
                      (SELECT COALESCE(MAX(position), 0) FROM {s}.ledger_chain)) INTO top;
      IF EXISTS (SELECT 1 FROM unnest(positions) WITH ORDINALITY p(v, i) WHERE v <> top + i) THEN
        RAISE EXCEPTION 'ledger_append: positions must follow the last one (%)', top;
      END IF;
      INSERT INTO {s}.ledger_events (notification_id, originator_id, originator_version, topic,
        state) SELECT * FROM unnest(positions, originators, versions, topics, states);
      INSERT INTO {s}.ledger_chain (position, digest) SELECT * FROM unnest(positions, digests);
      INSERT INTO {s}.ledger_keys (key, originator_id, digest)
        SELECT * FROM unnest(keys, key_originators, key_digests);
      INSERT INTO {s}.ledger_placements (programme, district, originator_id)
        SELECT * FROM unnest(place_programmes, place_districts, place_originators)
        ON CONFLICT DO NOTHING;
      IF caller.role = 'operator' THEN
        SELECT message INTO refused FROM {s}.ledger_out_of_scope(caller, positions, originators,
          versions, topics, states, key_originators, place_districts, place_originators) LIMIT 1;
        IF refused IS NOT NULL THEN
          RAISE EXCEPTION '%', refused USING ERRCODE = '42501';
        END IF;
      END IF;
      SELECT message INTO refused FROM {s}.ledger_unproven(caller, positions, states) LIMIT 1;
      IF refused IS NOT NULL THEN
        RAISE EXCEPTION '%', refused USING ERRCODE = '42501';
      END IF;
      PERFORM setval(pg_get_serial_sequence({schema_literal} || '.ledger_events',
        'notification_id'), top + n);
    END $$""",
    # For an operator: every event on an enrolment, in its scope (the district an enrolment or
    # transfer names, and the beneficiary's district before it: the last one recorded on its
    # timeline); no programme event; keys and placements only for these events, in scope.
    """CREATE OR REPLACE FUNCTION {s}.ledger_out_of_scope(caller {s}.ledger_access_now,
      positions bigint[], originators uuid[], versions integer[], topics text[], states bytea[],
      key_originators uuid[], place_districts text[], place_originators uuid[])
    RETURNS TABLE (message text) LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp AS $$
      WITH rows AS (
        SELECT r.*, split_part(r.topic, '.', -1) AS event FROM unnest(positions, originators,
          versions, topics, states) r(position, originator, version, topic, state)),
      touched AS (
        SELECT position, event, topic, district FROM rows, LATERAL (
          SELECT convert_from(state, 'UTF8')::jsonb ->> 'district' AS district
          WHERE event IN ('BeneficiaryEnrolled', 'BeneficiaryTransferred')
          UNION ALL
          SELECT (SELECT convert_from(p.state, 'UTF8')::jsonb ->> 'district'
                  FROM {s}.ledger_events p WHERE p.originator_id = rows.originator
                  AND p.originator_version < rows.version
                  AND p.topic IN ({enrolment_topic_enrolled}, {enrolment_topic_transferred})
                  ORDER BY p.originator_version DESC LIMIT 1)
          WHERE event <> 'BeneficiaryEnrolled') d)
      SELECT format('position %s: %s is a programme event: only an admin records it', position,
        event) FROM rows WHERE topic NOT LIKE {enrolment_topic}
      UNION ALL
      SELECT format('position %s: district %s is outside the scope of %s', position,
        COALESCE(district, '(none recorded)'), session_user) FROM touched
      WHERE district IS NULL OR NOT (district = ANY(caller.districts)
        OR left(district, 2) = ANY(caller.provinces))
      UNION ALL
      SELECT format('placement in district %s is outside the scope of %s', d, session_user)
        FROM unnest(place_districts) d
        WHERE NOT (d = ANY(caller.districts) OR left(d, 2) = ANY(caller.provinces))
      UNION ALL
      SELECT 'a key or placement names a timeline none of these events is on'
        WHERE EXISTS (SELECT 1 FROM unnest(key_originators || place_originators) o
                      WHERE o <> ALL(originators))
    $$""",
    "REVOKE ALL ON FUNCTION {s}.ledger_out_of_scope({s}.ledger_access_now, bigint[], uuid[], "
    "integer[], text[], bytea[], uuid[], text[], uuid[]) FROM PUBLIC",
    # Who recorded each event is the login appending it (SPEC §12), and when is now: an event
    # says `recorded_by` = session_user and a recorded time no earlier than this transaction's
    # start (less a clock skew allowance). A restore (`import --historical`) is an admin act:
    # it keeps the restored recorded time and `recorded_by`, says `appended_by` = session_user
    # and `appended_at` = now, and claims no recorded time before the latest checkpoint.
    """CREATE OR REPLACE FUNCTION {s}.ledger_unproven(caller {s}.ledger_access_now,
      positions bigint[], states bytea[])
    RETURNS TABLE (message text) LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp AS $$
      WITH rows AS (
        SELECT position, j ->> 'recorded_by' AS recorded_by, j ->> 'appended_by' AS appended_by,
          (j -> 'timestamp' ->> '_data_')::timestamptz AS recorded_at,
          (j -> 'appended_at' ->> '_data_')::timestamptz AS appended_at
        FROM unnest(positions, states) r(position, state),
          LATERAL (SELECT convert_from(state, 'UTF8')::jsonb AS j) d),
      signed AS (SELECT number, made_at::timestamptz AS made FROM {s}.ledger_checkpoints
                 ORDER BY number DESC LIMIT 1)
      SELECT format('position %s: recorded_by %s is not the login appending it (%s)', position,
        COALESCE(quote_literal(recorded_by), 'missing'), session_user)
        FROM rows WHERE appended_by IS NULL AND recorded_by IS DISTINCT FROM session_user
      UNION ALL
      SELECT format('position %s: recorded at %s, before this transaction began (%s)', position,
        COALESCE(recorded_at::text, 'no time'), now())
        FROM rows WHERE appended_by IS NULL
        AND (recorded_at IS NULL OR recorded_at < now() - {skew})
      UNION ALL
      SELECT format('position %s: a restore (import --historical) is an admin act; %s is an %s',
        position, session_user, caller.role)
        FROM rows WHERE appended_by IS NOT NULL AND caller.role <> 'admin'
      UNION ALL
      SELECT format('position %s: appended_by %s is not the login appending it (%s)', position,
        quote_literal(appended_by), session_user)
        FROM rows WHERE appended_by IS NOT NULL AND appended_by <> session_user
      UNION ALL
      SELECT format('position %s: appended at %s, which is not now (%s)', position,
        COALESCE(appended_at::text, 'no time'), now())
        FROM rows WHERE appended_by IS NOT NULL AND (appended_at IS NULL
          OR appended_at NOT BETWEEN now() - {skew} AND clock_timestamp() + {skew})
      UNION ALL
      SELECT format('position %s: recorded at %s, before checkpoint #%s was made (%s)', position,
        recorded_at, signed.number, signed.made)
        FROM rows, signed WHERE appended_by IS NOT NULL AND recorded_at < signed.made
    $$""",
    "REVOKE ALL ON FUNCTION {s}.ledger_unproven({s}.ledger_access_now, bigint[], bytea[]) "
    "FROM PUBLIC",
    """CREATE OR REPLACE FUNCTION {s}.ledger_is_owner() RETURNS boolean LANGUAGE sql STABLE
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT pg_has_role(session_user, relowner, 'MEMBER') FROM pg_class
      WHERE oid = ({schema_literal} || '.ledger_events')::regclass
    $$""",
    "REVOKE ALL ON FUNCTION {s}.ledger_is_owner() FROM PUBLIC",
    """CREATE OR REPLACE FUNCTION {s}.ledger_grant(login name, role text, provinces text[],
      districts text[]) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp AS $$
    DECLARE groups text[] := {groups}; roles text[] := {roles}; i integer;
    BEGIN
      IF NOT {s}.ledger_is_owner() THEN PERFORM {s}.ledger_caller(ARRAY['admin']); END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login AND rolcanlogin) THEN
        RAISE EXCEPTION 'there is no login role %: create it first (CREATE ROLE % LOGIN)',
          login, login USING ERRCODE = '42704';
      END IF;
      IF NOT role = ANY(roles) THEN RAISE EXCEPTION 'no ledger role %', role; END IF;
      FOR i IN 1 .. cardinality(roles) LOOP
        IF roles[i] = role THEN
          EXECUTE format('GRANT %I TO %I', groups[i], login);
        ELSIF pg_has_role(login, groups[i], 'MEMBER') THEN
          EXECUTE format('REVOKE %I FROM %I', groups[i], login);
        END IF;
      END LOOP;
      INSERT INTO {s}.ledger_access (login, role, provinces, districts)
        VALUES (login, role, provinces, districts);
    END $$""",
    """CREATE OR REPLACE FUNCTION {s}.ledger_revoke(login name) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE groups text[] := {groups}; g text; held boolean;
    BEGIN
      IF NOT {s}.ledger_is_owner() THEN PERFORM {s}.ledger_caller(ARRAY['admin']); END IF;
      held := EXISTS (SELECT 1 FROM {s}.ledger_access_now a WHERE a.login = ledger_revoke.login);
      FOREACH g IN ARRAY groups LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login)
            AND pg_has_role(login, g, 'MEMBER') THEN
          EXECUTE format('REVOKE %I FROM %I', g, login);
          held := true;
        END IF;
      END LOOP;
      IF held THEN INSERT INTO {s}.ledger_access (login, role) VALUES (login, NULL); END IF;
      RETURN held;
    END $$""",
]
