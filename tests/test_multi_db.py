"""Two databases routed by db_id, as AgentOS routes its registered databases."""

from __future__ import annotations

import json

import attrs
import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from agno_session_aio.app import create_app
from agno_session_aio.config import Config, DatabaseConfig
from devkit import postgres

from .conftest import run_sql


@pytest.fixture
def two_db_config(pg_dsn: str, second_pg_dsn: str) -> Config:
    return Config(databases=(DatabaseConfig("main", pg_dsn), DatabaseConfig("archive", second_pg_dsn)),
                  default_db_id="main")


async def test_multi_db_routes_by_db_id(aiohttp_client: AiohttpClient, two_db_config: Config,
                                        pg_dsn: str, second_pg_dsn: str) -> None:
    client: TestClient = await aiohttp_client(create_app(two_db_config))
    assert (await client.post("/sessions?db_id=main", json={"session_id": "m1"})).status == 201
    assert (await client.post("/sessions?db_id=archive", json={"session_id": "a1"})).status == 201
    assert run_sql(pg_dsn, "SELECT session_id FROM ai.agno_sessions") == [("m1",)]
    assert run_sql(second_pg_dsn, "SELECT session_id FROM ai.agno_sessions") == [("a1",)]
    archive = await (await client.get("/sessions?db_id=archive")).json()
    assert [item["session_id"] for item in archive["data"]] == ["a1"]
    assert (await client.get("/sessions/m1?db_id=archive")).status == 404
    assert (await client.get("/sessions/m1?db_id=main")).status == 200
    ready = await (await client.get("/readyz")).json()
    assert ready == {"status": "ok", "policy": "any", "databases": {"main": "ok", "archive": "ok"}}


async def test_multi_db_without_db_id_goes_to_the_first_key(aiohttp_client: AiohttpClient, two_db_config: Config,
                                                             pg_dsn: str) -> None:
    # The project's rule: the default is the map's first key (AgentOS answers 400 here instead).
    client = await aiohttp_client(create_app(two_db_config))
    assert two_db_config.default_db_id == two_db_config.databases[0].db_id
    assert (await client.post("/sessions", json={"session_id": "first"})).status == 201
    assert run_sql(pg_dsn, "SELECT session_id FROM ai.agno_sessions") == [("first",)]
    assert [item["session_id"] for item in (await (await client.get("/sessions")).json())["data"]] == ["first"]


async def test_multi_db_explicit_default_routes_requests_without_db_id(
    aiohttp_client: AiohttpClient, two_db_config: Config
) -> None:
    config = attrs.evolve(two_db_config, default_db_id="archive")
    client = await aiohttp_client(create_app(config))
    assert (await client.post("/sessions", json={"session_id": "x"})).status == 201
    assert (await client.get("/sessions/x?db_id=archive")).status == 200


@pytest.mark.parametrize("legacy_first", [False, True])
async def test_each_database_keeps_its_own_layout(aiohttp_client: AiohttpClient, pg_server_dsn: str,
                                                  legacy_first: bool) -> None:
    """A 3.x database beside one agno 2.x wrote (its sessions table keeps a `runs` column): each list reads
    its own layout, whichever is found first."""
    with postgres.throwaway_database(pg_server_dsn) as plain, postgres.throwaway_database(pg_server_dsn) as old:
        databases = (DatabaseConfig("main", plain.dsn), DatabaseConfig("archive", old.dsn))
        config = Config(databases=databases[::-1] if legacy_first else databases, default_db_id="main")
        await aiohttp_client(create_app(config))  # creates agno's tables in both
        run_sql(old.dsn, "ALTER TABLE ai.agno_sessions ADD COLUMN runs jsonb")
        run_sql(old.dsn, "INSERT INTO ai.agno_sessions (session_id, session_type, session_data, runs, created_at)"
                         " VALUES ('legacy', 'agent', '{}', %s, 1)",
                (json.dumps([{"run_id": "r1", "agent_id": "a", "input": {"input_content": "from the runs column"},
                              "messages": [{"role": "user", "content": "from the runs column"}]}]),))
        client = await aiohttp_client(create_app(config))
        assert (await client.post("/sessions?db_id=main", json={"session_id": "m"})).status == 201
        main = await client.get("/sessions?db_id=main")
        assert main.status == 200 and [item["session_id"] for item in (await main.json())["data"]] == ["m"]
        archive = await client.get("/sessions?db_id=archive")
        assert archive.status == 200
        assert [item["session_name"] for item in (await archive.json())["data"]] == ["from the runs column"]
