"""Odd input and odd stored data: exact JSON round trips, clean 4xx for bad input, readable odd rows."""

from __future__ import annotations

import io
import json
from typing import Any

import attrs
import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from agno_session_aio.app import create_app
from agno_session_aio.config import Config, DatabaseConfig

from .conftest import create_database, drop_database, run_sql

HUGE = 123456789012345678901234567890


async def test_big_integers_survive_a_patch(client: TestClient, pg_dsn: str) -> None:
    await client.post("/sessions", json={"session_id": "big", "session_name": "x"})
    run_sql(pg_dsn, "UPDATE ai.agno_sessions SET session_data = %s::jsonb",
            (json.dumps({"session_name": "x", "session_state": {"n": HUGE}}),))
    response = await client.patch("/sessions/big", json={"session_name": "renamed"})
    assert json.loads(await response.read())["session_state"] == {"n": HUGE}
    assert run_sql(pg_dsn, "SELECT session_data->'session_state'->>'n' FROM ai.agno_sessions") == [(str(HUGE),)]


async def test_beyond_64_bit_and_deep_values_are_stored(client: TestClient) -> None:
    deep: Any = "leaf"
    for _ in range(300):
        deep = {"d": deep}
    response = await client.post("/sessions", json={"session_id": "odd", "session_state": {"n": 2**64, "deep": deep}})
    assert response.status == 201
    body = json.loads(await (await client.get("/sessions/odd")).read())
    assert body["session_state"]["n"] == 2**64
    # Below -2**63 a 19-digit integer is already beyond 64 bits.
    state = {"m": -(2**63) - 1, "p": 2**63 - 1}
    response = await client.post("/sessions", json={"session_id": "wide", "session_state": state})
    assert response.status == 201
    body = json.loads(await (await client.get("/sessions/wide")).read())
    listed = json.loads(await (await client.get("/sessions?sort_by=session_id&sort_order=desc")).read())
    assert body["session_state"] == state and listed["data"][0]["session_state"] == state


@pytest.mark.parametrize(
    ("method", "path", "body", "kind"),
    [
        ("PATCH", "/sessions/x", b'{"session_state": {"a": "\\ud800"}}', "string_unicode"),
        ("POST", "/sessions", b'{"session_name": "\\udc00"}', "string_unicode"),
        ("POST", "/sessions", b'{"session_id": "a\\u0000b"}', "value_error"),
    ],
)
async def test_unstorable_bodies_are_422(client: TestClient, method: str, path: str, body: bytes,
                                         kind: str) -> None:
    response = await client.request(method, path, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 422
    assert (await response.json())["detail"][0]["type"] == kind


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"session_name": "\xff"}'])
async def test_undecodable_bodies_are_fastapis_400(client: TestClient, body: bytes) -> None:
    response = await client.post("/sessions", data=body, headers={"Content-Type": "application/json"})
    assert (response.status, await response.json()) == (400, {"detail": "There was an error parsing the body"})


async def test_oversized_integers_in_the_query(client: TestClient) -> None:
    # pydantic refuses an integer string past 4300 digits with its own entry, before any bound.
    response = await client.get("/sessions?limit=" + "1" * 5000)
    assert response.status == 422 and (await response.json())["detail"][0]["type"] == "int_parsing_size"
    response = await client.get("/sessions?limit=" + "1" * 4000)
    assert response.status == 422 and (await response.json())["detail"][0]["type"] == "less_than_equal"
    await client.post("/sessions", json={"session_id": "s"})
    assert (await client.get("/sessions/s/runs?created_after=" + "9" * 4300)).status == 200
    response = await client.get("/sessions/s/runs?created_after=" + "9" * 4301)
    assert response.status == 422 and (await response.json())["detail"][0]["type"] == "int_parsing_size"


async def test_undecodable_authorization_header_is_401(aiohttp_client: AiohttpClient, config: Config) -> None:
    import attrs

    client = await aiohttp_client(create_app(attrs.evolve(config, security_key="k")))
    response = await client.get("/sessions", headers={"Authorization": "Bearer \udcff\udcfe".encode(
        "utf-8", "surrogateescape").decode("latin-1")})
    assert response.status == 401


ODD_ROWS = [
    ("data-string", "agent", '"hello"', None),
    ("data-array", "workflow", "[1, 2]", None),
    ("metrics-scalar", "agent", '{"session_metrics": 5}', None),
    ("millis", "agent", "null", None),
    ("summary-time", "agent", "null", '{"summary": "s", "updated_at": "yesterday"}'),
]


async def test_odd_stored_rows_stay_readable(client: TestClient, pg_dsn: str) -> None:
    for session_id, session_type, data, summary in ODD_ROWS:
        run_sql(pg_dsn, "INSERT INTO ai.agno_sessions (session_id, session_type, session_data, summary, created_at)"
                        " VALUES (%s, %s, %s::jsonb, %s::jsonb, %s)",
                (session_id, session_type, data, summary, 1757088135000 if session_id == "millis" else 5))
    run_sql(pg_dsn, "INSERT INTO ai.agno_runs (run_id, session_id, run_type, run_data, created_at) VALUES"
                    " ('r-text', 'data-string', 'agent', '\"just text\"', 1),"
                    " ('r-odd', 'data-string', 'agent', %s::jsonb, 2)",
            (json.dumps({"run_id": "r-odd", "agent_id": "a", "created_at": "2025-01-01T00:00:00", "status": 7,
                         "messages": {"not": "a list"}, "input": {"images": None}}),))
    listed = await client.get("/sessions")
    assert listed.status == 200 and (await listed.json())["meta"]["total_count"] == len(ODD_ROWS)
    for session_id, *_ in ODD_ROWS:
        detail = await client.get(f"/sessions/{session_id}")
        assert detail.status == 200, (session_id, await detail.text())
    runs = await client.get("/sessions/data-string/runs?created_after=0&status=COMPLETED")
    assert runs.status == 200 and await runs.json() == []
    (run,) = await (await client.get("/sessions/data-string/runs")).json()
    assert run["run_id"] == "r-odd" and run["input_media"]["images"] == []
    renamed = await client.post("/sessions/data-array/rename", json={"session_name": "fixed"})
    assert renamed.status == 200 and (await renamed.json())["session_name"] == "fixed"
    patched = await client.patch("/sessions/data-string", json={"session_state": {"k": 1}})
    assert patched.status == 200 and (await patched.json())["session_state"] == {"k": 1}


async def test_bulk_delete_removes_runs_filed_under_requested_ids(client: TestClient, agno_db: Any,
                                                                  pg_dsn: str) -> None:
    from . import seed

    seed.agent_session(agno_db, "owned", user_id="u1")
    seed.agent_run(agno_db, "owned", "r-u1", at=seed.T0, user_id="u1")
    seed.agent_run(agno_db, "owned", "r-u2", at=seed.T0 + 1, user_id="u2")
    response = await client.delete("/sessions?user_id=u2", json={"session_ids": ["owned"], "session_types": ["agent"]})
    assert response.status == 204
    # As agno: the session (u1's) stays, the runs filed under the id for user u2 go.
    assert run_sql(pg_dsn, "SELECT session_id FROM ai.agno_sessions") == [("owned",)]
    assert run_sql(pg_dsn, "SELECT run_id FROM ai.agno_runs") == [("r-u1",)]


async def test_role_without_create_can_serve_existing_tables(aiohttp_client: AiohttpClient,
                                                            pg_server_dsn: str) -> None:
    dsn = create_database(pg_server_dsn)
    try:
        setup = await aiohttp_client(create_app(Config(databases=(DatabaseConfig("default", dsn),))))
        await setup.close()
        run_sql(dsn, "DROP ROLE IF EXISTS agno_reader; CREATE ROLE agno_reader LOGIN")
        run_sql(dsn, "GRANT USAGE ON SCHEMA ai TO agno_reader;"
                     " GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ai TO agno_reader")
        reader_dsn = dsn.replace("postgres:@", "agno_reader:@").replace("postgres@", "agno_reader@")
        client = await aiohttp_client(create_app(Config(databases=(DatabaseConfig("default", reader_dsn),))))
        assert (await client.post("/sessions", json={"session_id": "r"})).status == 201
        await client.close()
    finally:
        drop_database(pg_server_dsn, dsn)
        run_sql(pg_server_dsn, "DROP ROLE IF EXISTS agno_reader")


async def test_cors_like_agentos(client: TestClient) -> None:
    allowed = "http://localhost:3000"
    preflight = await client.options("/sessions", headers={
        "Origin": allowed, "Access-Control-Request-Method": "DELETE", "Access-Control-Request-Headers": "x-foo"})
    assert preflight.status == 200 and await preflight.text() == "OK"
    assert preflight.headers["Access-Control-Allow-Origin"] == allowed
    assert preflight.headers["Access-Control-Allow-Headers"] == "x-foo"
    assert preflight.headers["Access-Control-Allow-Credentials"] == "true"
    denied = await client.options("/sessions", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert denied.status == 400 and await denied.text() == "Disallowed CORS origin"
    simple = await client.get("/sessions", headers={"Origin": allowed})
    assert simple.headers["Access-Control-Allow-Origin"] == allowed and simple.headers["Vary"] == "Origin"
    other = await client.get("/sessions", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert (await client.get("/sessions")).headers["Vary"] == "Origin"


async def test_bodies_of_several_mib_are_stored_and_the_limit_is_a_setting(
        aiohttp_client: AiohttpClient, config: Config, pg_dsn: str) -> None:
    # AgentOS has no body limit; ours is AGNO_MAX_BODY_BYTES (64 MiB by default).
    client = await aiohttp_client(create_app(config))
    state = {"blob": "x" * (3 * 1024 * 1024)}

    def body(data: Any) -> dict[str, Any]:
        # A stream: the test client refuses large bytes bodies.
        return {"data": io.BytesIO(json.dumps(data).encode()), "headers": {"Content-Type": "application/json"}}

    assert (await client.post("/sessions", **body({"session_id": "big-body", "session_state": state}))).status == 201
    assert (await client.patch("/sessions/big-body", **body({"session_state": {**state, "more": 1}}))).status == 200
    stored = run_sql(pg_dsn, "SELECT length(session_data->'session_state'->>'blob') FROM ai.agno_sessions")
    assert stored == [(3 * 1024 * 1024,)]
    small = await aiohttp_client(create_app(attrs.evolve(config, max_body_bytes=4096)))
    response = await small.post("/sessions", json={"session_id": "too-big", "session_state": {"s": "x" * 5000}})
    assert response.status == 413
    assert await response.json() == {"detail": "Request body is larger than 4096 bytes (AGNO_MAX_BODY_BYTES)"}
    assert (await small.post("/sessions", json={"session_id": "fits"})).status == 201
    assert run_sql(pg_dsn, "SELECT session_id FROM ai.agno_sessions ORDER BY 1") == [("big-body",), ("fits",)]
