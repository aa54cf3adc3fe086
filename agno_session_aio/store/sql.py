"""Every SQL statement the service runs, as named templates; no logic.

`{sessions}`, `{runs}` and `{schema}` are filled once per database with quoted,
whitelisted identifiers (schema.py); every value is a psycopg2 parameter.
The DDL mirrors what agno 3.1.10's PostgresDb creates (contract §2.2, §2.3).
"""

from typing import Final

SESSION_COLUMNS: Final = (
    "session_id, session_type, agent_id, team_id, workflow_id, user_id, session_data, agent_data,"
    " team_data, workflow_data, metadata, summary, created_at, updated_at"
)

# Sortable columns of agno's session table (contract §4.1); anything else means no ORDER BY.
SORT_EXPRESSIONS: Final = {
    "session_id": "session_id",
    "session_type": "session_type",
    "agent_id": "agent_id",
    "team_id": "team_id",
    "workflow_id": "workflow_id",
    "user_id": "user_id",
    "session_data": "session_data",
    "agent_data": "agent_data",
    "team_data": "team_data",
    "workflow_data": "workflow_data",
    "metadata": "metadata",
    "summary": "summary",
    "created_at": "created_at",
    # agno sorts pre-2.0 rows without updated_at by their creation time
    "updated_at": "COALESCE(updated_at, created_at)",
}

# --- schema bootstrap -------------------------------------------------------

CREATE_SCHEMA: Final = "CREATE SCHEMA IF NOT EXISTS {schema}"

# Serialises bootstrap across workers and replicas starting at once.
LOCK_BOOTSTRAP: Final = "SELECT pg_advisory_xact_lock(hashtext('agno-session-aio:bootstrap'))"

TABLE_EXISTS: Final = "SELECT to_regclass(%(name)s) IS NOT NULL"
# Whether the sessions table is sharded by Citus: its catalog only exists with the extension, so asked second.
HAS_CITUS: Final = "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')"
IS_DISTRIBUTED: Final = "SELECT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = to_regclass(%(name)s))"
# agno 2.x kept a session's runs in a JSONB `runs` column of the sessions table; 3.x leaves it in place.
HAS_LEGACY_RUNS: Final = (
    "SELECT EXISTS (SELECT 1 FROM information_schema.columns"
    " WHERE table_schema = %(schema)s AND table_name = %(table)s AND column_name = 'runs')"
)

MISSING_OBJECTS: Final = (
    "SELECT to_regnamespace(quote_ident(%(schema)s)) IS NULL, to_regclass(%(sessions)s) IS NULL,"
    " to_regclass(%(runs)s) IS NULL"
)

CREATE_SESSIONS_TABLE: Final = """
CREATE TABLE {sessions} (
    session_id character varying NOT NULL,
    session_type character varying NOT NULL,
    agent_id character varying,
    team_id character varying,
    workflow_id character varying,
    user_id character varying,
    session_data jsonb,
    agent_data jsonb,
    team_data jsonb,
    workflow_data jsonb,
    metadata jsonb,
    summary jsonb,
    created_at bigint NOT NULL,
    updated_at bigint,
    CONSTRAINT {sessions_pkey} PRIMARY KEY (session_id)
)"""

CREATE_SESSIONS_INDEXES: Final = (
    "CREATE INDEX IF NOT EXISTS {idx_prefix_sessions}_created_at ON {sessions} (created_at)",
    "CREATE INDEX IF NOT EXISTS {idx_prefix_sessions}_session_type ON {sessions} (session_type)",
)

CREATE_RUNS_TABLE: Final = """
CREATE TABLE {runs} (
    run_id character varying NOT NULL,
    session_id character varying NOT NULL,
    run_type character varying NOT NULL,
    agent_id character varying,
    team_id character varying,
    workflow_id character varying,
    user_id character varying,
    parent_run_id character varying,
    status character varying,
    run_index bigint,
    run_data jsonb NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint,
    CONSTRAINT {runs_pkey} PRIMARY KEY (run_id),
    CONSTRAINT {runs_fkey} FOREIGN KEY (session_id) REFERENCES {sessions} (session_id) ON DELETE CASCADE
)"""

CREATE_RUNS_INDEXES: Final = tuple(
    f"CREATE INDEX IF NOT EXISTS {{idx_prefix_runs}}_{column} ON {{runs}} ({column})"
    for column in ("agent_id", "created_at", "run_type", "session_id", "status", "team_id", "user_id", "workflow_id")
) + ("CREATE INDEX IF NOT EXISTS {idx_prefix_runs}_session_id_run_index ON {runs} (session_id, run_index)",)

CREATE_SCHEMA_VERSIONS_TABLE: Final = """
CREATE TABLE IF NOT EXISTS {schema}.agno_schema_versions (
    table_name character varying NOT NULL,
    version character varying NOT NULL,
    created_at character varying NOT NULL,
    updated_at character varying,
    CONSTRAINT agno_schema_versions_pkey PRIMARY KEY (table_name)
)"""

CREATE_SCHEMA_VERSIONS_INDEX: Final = (
    "CREATE INDEX IF NOT EXISTS idx_agno_schema_versions_created_at ON {schema}.agno_schema_versions (created_at)"
)

# agno writes version 3.0.0 with ISO local timestamps for both tables it owns.
INSERT_SCHEMA_VERSION: Final = """
INSERT INTO {schema}.agno_schema_versions (table_name, version, created_at, updated_at)
VALUES (%(table_name)s, '3.0.0', %(now)s, %(now)s)
ON CONFLICT (table_name) DO NOTHING"""

# --- sessions ---------------------------------------------------------------

# The session type as detect_session_type reads it (rules.py): stored, else by whichever id is set;
# computed once per page row for NAME_SOURCE.
DETECTED_TYPE: Final = (
    "CASE WHEN session_type <> '' THEN session_type WHEN agent_id <> '' THEN 'agent'"
    " WHEN team_id <> '' THEN 'team' WHEN workflow_id <> '' THEN 'workflow' ELSE 'agent' END"
)

# Only what name derivation needs from runs, never whole runs (contract §3.2): the first run of session
# `s` (in storage order) that decides its name, found lazily by LIMIT 1 so later runs are not read.
# Agent sessions: the first run with a truthy user message or a non-null input; team sessions: the
# same among runs without an agent id; workflow sessions: simply the first run.
NAME_SOURCE: Final = (
    "SELECT true AS found, candidate.input, candidate.first_user_content"
    " FROM (SELECT run_data -> 'input' AS input,"
    " COALESCE(run_data -> 'agent_id', 'null'::jsonb) NOT IN ('null', '\"\"', 'false', '0') AS has_agent_id,"
    " (SELECT m -> 'content' FROM jsonb_array_elements("
    " CASE WHEN jsonb_typeof(run_data -> 'messages') = 'array' THEN run_data -> 'messages' ELSE '[]'::jsonb END)"
    " AS m WHERE m ->> 'role' = 'user'"
    " AND COALESCE(m -> 'content', 'null'::jsonb) NOT IN ('null', '\"\"', '[]', '{{}}', '0', 'false')"
    " LIMIT 1) AS first_user_content"
    " FROM {runs} WHERE session_id = s.session_id ORDER BY run_index ASC, created_at ASC) AS candidate"
    # Checked before any run is read: a session with a stored name needs none.
    " WHERE COALESCE(s.session_data -> 'session_name', 'null') = 'null'"
    " AND (s.detected_type = 'workflow'"
    " OR ((s.detected_type <> 'team' OR NOT candidate.has_agent_id)"
    " AND (candidate.first_user_content IS NOT NULL OR COALESCE(candidate.input, 'null'::jsonb) <> 'null'::jsonb)))"
    " LIMIT 1"
)

# One round trip per list page: the count rides along even when the page is empty, and each item is
# one JSON array holding only what a list item shows (LIST_ITEM_FIELDS), so whole documents are never
# decoded. For a session without a stored name, the run that decides its derived name comes along too.
SELECT_SESSIONS_PAGE: Final = (
    "SELECT c.total_count, p.item FROM (SELECT count(*) AS total_count FROM {sessions} WHERE {where}) c"
    " LEFT JOIN LATERAL (SELECT json_build_array(s.session_id, s.session_type, s.agent_id, s.team_id,"
    " s.workflow_id, s.user_id, s.session_data -> 'session_state', s.session_data -> 'session_metrics',"
    " s.session_data -> 'session_name', s.workflow_data -> 'name', s.agent_data -> 'sdk',"
    " s.agent_data -> 'framework', s.metadata, s.summary, s.created_at, s.updated_at,"
    " n.found, n.input, n.first_user_content, {legacy_for_name}) AS item"
    " FROM (SELECT " + SESSION_COLUMNS + "{legacy_column}, " + DETECTED_TYPE + " AS detected_type"
    " FROM {sessions} WHERE {where}{order_by} LIMIT %(limit)s OFFSET %(offset)s) s"
    "{name_source}) p ON true"
)
# {name_source}: each page item's name source, found in the same statement ...
NAME_SOURCE_JOIN: Final = " LEFT JOIN LATERAL (" + NAME_SOURCE + ") n ON true"
# ... except on a sharded database (Citus), which cannot join the sorted page to a lateral subquery over the
# runs: there the page comes without, and SELECT_NAME_SOURCES finds them for its unnamed sessions.
NO_NAME_SOURCE: Final = " CROSS JOIN (SELECT NULL::boolean AS found, NULL::jsonb AS input, NULL::jsonb AS first_user_content) n"
SELECT_NAME_SOURCES: Final = (
    "SELECT s.session_id, n.found, n.input, n.first_user_content"
    " FROM (SELECT session_id, session_data, " + DETECTED_TYPE + " AS detected_type"
    " FROM {sessions} WHERE session_id = ANY(%(session_ids)s)) s"
    " JOIN LATERAL (" + NAME_SOURCE + ") n ON true"
)

# The positions of SELECT_SESSIONS_PAGE's item array, named.
LIST_ITEM_FIELDS: Final = (
    "session_id", "session_type", "agent_id", "team_id", "workflow_id", "user_id", "session_state", "metrics",
    "stored_name", "workflow_name", "sdk", "framework", "metadata", "summary", "created_at", "updated_at",
    "has_name_source", "run_input", "first_user_content", "legacy_runs",
)  # fmt: skip

# With agno 2.x's runs column: a page item's legacy runs, where they decide a derived name (no stored name,
# a column that is not empty); the store then merges them with the session's table runs (store/legacy.py).
LEGACY_FOR_NAME: Final = (
    "CASE WHEN COALESCE(s.session_data -> 'session_name', 'null') = 'null'"
    # a value substituted into SELECT_SESSIONS_PAGE, so its braces are not doubled
    " AND COALESCE(s.runs, 'null'::jsonb) NOT IN ('null', '[]', '{}', '\"\"', 'false', '0') THEN s.runs END"
)
# The table runs of those sessions, in the order agno's list reads them.
SELECT_RUNS_OF_SESSIONS: Final = (
    "SELECT session_id, json_agg(run_data ORDER BY run_index ASC, created_at ASC) FROM {runs}"
    " WHERE session_id = ANY(%(session_ids)s) GROUP BY session_id"
)

FILTER_TRUE: Final = "true"
FILTER_USER_ID: Final = "user_id = %(user_id)s"
FILTER_SESSION_TYPE: Final = "session_type = %(session_type)s"
FILTER_COMPONENT_BY_TYPE: Final = {
    "agent": "agent_id = %(component_id)s",
    "team": "team_id = %(component_id)s",
    "workflow": "workflow_id = %(component_id)s",
}
FILTER_COMPONENT_ANY: Final = (
    "(agent_id = %(component_id)s OR team_id = %(component_id)s OR workflow_id = %(component_id)s)"
)
# agno does not escape the value: % and _ are wildcards (contract §4.1).
FILTER_SESSION_NAME: Final = "COALESCE(session_data ->> 'session_name', '') ILIKE '%%' || %(session_name)s || '%%'"

SELECT_SESSION: Final = "SELECT " + SESSION_COLUMNS + " FROM {sessions} WHERE session_id = %(session_id)s"
SELECT_SESSION_FOR_USER: Final = SELECT_SESSION + " AND user_id = %(user_id)s"

# A session row and its runs in storage order (contract §2.6) as one JSON array (SESSION_FIELDS, then
# the runs, then agno 2.x's legacy runs column or NULL where the table has none: {legacy_runs}), so all
# come back in one round trip and are decoded in one call; json_agg passes each run's JSONB text through
# without re-encoding. The runs are those of the session_id parameter, which every statement using this also
# matches the row by: uncorrelated, a sharded database (Citus) sends it to the one shard (docs/scaling.md).
SESSION_WITH_RUNS: Final = (
    "json_build_array(" + SESSION_COLUMNS + ","
    " (SELECT COALESCE(json_agg(r.run_data ORDER BY r.run_index ASC, r.created_at ASC, r.run_id ASC), '[]')"
    " FROM {runs} r WHERE r.session_id = %(session_id)s), {legacy_runs}) AS session"
)
SESSION_FIELDS: Final = tuple(column.strip() for column in SESSION_COLUMNS.split(","))
SELECT_SESSION_WITH_RUNS: Final = (
    "SELECT " + SESSION_WITH_RUNS + " FROM {sessions} WHERE session_id = %(session_id)s"
)
SELECT_SESSION_WITH_RUNS_FOR_USER: Final = SELECT_SESSION_WITH_RUNS + " AND user_id = %(user_id)s"

# Insert-if-absent is atomic, so two creates racing for one id give one 201 and one 409.
INSERT_SESSION: Final = (
    "INSERT INTO {sessions} (session_id, session_type, agent_id, team_id, workflow_id, user_id, session_data,"
    " agent_data, team_data, workflow_data, metadata, summary, created_at, updated_at)"
    " VALUES (%(session_id)s, %(session_type)s, %(agent_id)s, %(team_id)s, %(workflow_id)s, %(user_id)s,"
    " %(session_data)s, %(agent_data)s, %(team_data)s, %(workflow_data)s, %(metadata)s, %(summary)s,"
    " %(now)s, %(now)s)"
    " ON CONFLICT (session_id) DO NOTHING RETURNING " + SESSION_COLUMNS
)

# jsonb_set on a JSON-null (or any non-object) session_data fails in agno (contract §4.6); we start
# from {} instead.
# Each write answers with the row as SELECT_SESSION_WITH_RUNS would, built from the UPDATE's RETURNING * in an
# outer SELECT: a sharded database (Citus) refuses json_build_array and json_agg in RETURNING itself.
RENAME_SESSION: Final = (
    "WITH u AS (UPDATE {sessions} SET session_data = jsonb_set("
    "CASE WHEN jsonb_typeof(session_data) = 'object' THEN session_data ELSE '{{}}'::jsonb END,"
    " '{{session_name}}', to_jsonb(%(name)s::text))"
    " WHERE session_id = %(session_id)s{type_filter}{user_filter} RETURNING *) SELECT " + SESSION_WITH_RUNS + " FROM u"
)
RENAME_TYPE_FILTER: Final = " AND session_type = %(session_type)s"
RENAME_USER_FILTER: Final = " AND user_id = %(user_id)s"

# PATCH re-saves the row as the type it was loaded as, like agno's upsert: that type's id and data
# columns, session_data, metadata and summary; session_type itself never changes (contract §2.5).
UPDATE_SESSION: Final = {
    session_type: (
        f"WITH u AS (UPDATE {{sessions}} SET {session_type}_id = %(component_id)s,"
        f" {session_type}_data = %(component_data)s, session_data = %(session_data)s, metadata = %(metadata)s,"
        " summary = %(summary)s, updated_at = %(now)s WHERE session_id = %(session_id)s RETURNING *)"
        " SELECT " + SESSION_WITH_RUNS + " FROM u"
    )
    for session_type in ("agent", "team", "workflow")
}

# Largest LIMIT/OFFSET PostgreSQL takes (bigint).
BIGINT_MAX: Final = 2**63 - 1

# A delete is one statement, so it needs no transaction of its own: the sessions and the runs filed under
# them go together. A single delete removes the runs of the session it deleted; a bulk delete, like agno's,
# the runs filed under every requested id (contract §2.7). The foreign key's cascade then finds nothing left.
DELETE_SESSIONS: Final = (
    "WITH deleted AS (DELETE FROM {sessions} WHERE session_id = ANY(%(session_ids)s){user_filter}"
    " RETURNING session_id),"
    " deleted_runs AS (DELETE FROM {runs} WHERE {runs_filter})"
    " SELECT count(*) FROM deleted"
)
DELETE_USER_FILTER: Final = " AND user_id = %(user_id)s"
DELETE_RUNS_OF_DELETED: Final = "session_id IN (SELECT session_id FROM deleted)"
DELETE_RUNS_OF_REQUESTED: Final = "session_id = ANY(%(session_ids)s)"

PING: Final = "SELECT 1"

# Read replica freshness (replica.py), as byte positions: what the primary has written to its WAL, and what
# a standby has replayed (NULL on a server that is not a standby).
WAL_INSERTED: Final = "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn"
WAL_REPLAYED: Final = "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn"

# The server process of a new connection: unlike the one libpq reports, not a pooler's key.
BACKEND_PID: Final = "SELECT pg_backend_pid()"

# Stops the query of a request that was cancelled while its connection waited in PostgreSQL.
CANCEL_BACKEND: Final = "SELECT pg_cancel_backend(%(pid)s)"
# The same through a pooler: the transaction tagged itself (connections.PooledCursor); once it has ended,
# nothing carries the tag any more and nothing is cancelled.
CANCEL_TAGGED: Final = "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = %(tag)s"
