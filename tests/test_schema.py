"""Table bootstrap: the same DDL agno 3.1.10 creates, and existing tables left exactly as they are."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from agno_session_aio.app import create_app
from agno_session_aio.config import Config, DatabaseConfig

from .conftest import create_database, drop_database, run_sql, sqlalchemy_url

SHAPE_QUERIES = {
    "columns": "SELECT table_name, column_name, data_type, is_nullable, ordinal_position"
    " FROM information_schema.columns WHERE table_schema = 'ai' AND table_name IN"
    " ('agno_sessions', 'agno_runs', 'agno_schema_versions') ORDER BY 1, 5",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'ai'"
    " AND tablename IN ('agno_sessions', 'agno_runs', 'agno_schema_versions') ORDER BY 1, 2",
    "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE connamespace = 'ai'::regnamespace ORDER BY 1, 2",
    "versions": "SELECT table_name, version FROM ai.agno_schema_versions ORDER BY 1",
}


def _shape(dsn: str) -> dict[str, Any]:
    return {name: run_sql(dsn, query) for name, query in SHAPE_QUERIES.items()}


async def test_schema_bootstrap_matches_agno(aiohttp_client: AiohttpClient, pg_server_dsn: str) -> None:
    ours, theirs = create_database(pg_server_dsn), create_database(pg_server_dsn)
    try:
        await aiohttp_client(create_app(Config(databases=(DatabaseConfig("default", ours),))))
        from agno.db.postgres import PostgresDb

        agno = PostgresDb(db_url=sqlalchemy_url(theirs))
        agno._get_table("sessions", create_table_if_not_found=True)
        agno._get_table("runs", create_table_if_not_found=True)
        agno.db_engine.dispose()
        assert _shape(ours) == _shape(theirs)
        assert run_sql(ours, SHAPE_QUERIES["versions"]) == [("agno_runs", "3.0.0"), ("agno_sessions", "3.0.0")]
    finally:
        drop_database(pg_server_dsn, ours)
        drop_database(pg_server_dsn, theirs)


async def test_schema_existing_tables_are_used_as_they_are(aiohttp_client: AiohttpClient, pg_server_dsn: str) -> None:
    dsn = create_database(pg_server_dsn)
    try:
        # A 2.x-era table with the legacy runs column and a row: start-up must neither alter nor lose it.
        run_sql(dsn, "CREATE SCHEMA ai")
        run_sql(
            dsn,
            "CREATE TABLE ai.agno_sessions (session_id varchar PRIMARY KEY, session_type varchar NOT NULL,"
            " agent_id varchar, team_id varchar, workflow_id varchar, user_id varchar, session_data jsonb,"
            " agent_data jsonb, team_data jsonb, workflow_data jsonb, metadata jsonb, runs jsonb, summary jsonb,"
            " created_at bigint NOT NULL, updated_at bigint)",
        )
        run_sql(dsn, "INSERT INTO ai.agno_sessions (session_id, session_type, created_at) VALUES ('old', 'agent', 5)")
        before = run_sql(dsn, SHAPE_QUERIES["columns"])
        client: TestClient = await aiohttp_client(create_app(Config(databases=(DatabaseConfig("default", dsn),))))
        after = run_sql(dsn, SHAPE_QUERIES["columns"])
        assert [col for col in after if col[0] == "agno_sessions"] == before
        assert {col[0] for col in after} == {"agno_sessions", "agno_runs", "agno_schema_versions"}
        assert run_sql(dsn, "SELECT session_id FROM ai.agno_sessions") == [("old",)]
        response = await client.get("/sessions/old")
        assert response.status == 200
        assert (await response.json())["created_at"] == "1970-01-01T00:00:05Z"
    finally:
        drop_database(pg_server_dsn, dsn)
