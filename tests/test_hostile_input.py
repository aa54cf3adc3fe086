"""Hostile input: deep nesting in bodies and stored rows, values JSONB cannot hold, ids past PostgreSQL's limits."""

from __future__ import annotations

import io
import json
import random
import string
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from agno_session_aio import deepjson

from .conftest import run_sql


def nested(depth: int, leaf: Any = "leaf") -> Any:
    value = leaf
    for level in range(depth):
        value = {"d": value} if level % 2 else [value]
    return value


def body(data: Any) -> dict[str, Any]:
    """A request body written without recursion (json.dumps stops near 1000 levels), as a stream."""
    return {"data": io.BytesIO(deepjson.dumps(data).encode()), "headers": {"Content-Type": "application/json"}}


async def read(response: Any) -> Any:
    return deepjson.loads(await response.text())


@pytest.mark.slow
@pytest.mark.parametrize("depth", [490, 3_000, 12_000])
async def test_deep_session_state_round_trips_through_every_endpoint(client: TestClient, depth: int) -> None:
    state = {"deep": nested(depth)}
    expected = deepjson.dumps(state)
    created = await client.post("/sessions", **body({"session_id": "deep", "session_state": state}))
    assert created.status == 201, await created.text()
    assert deepjson.dumps((await read(created))["session_state"]) == expected
    detail = await client.get("/sessions/deep")
    assert detail.status == 200 and deepjson.dumps((await read(detail))["session_state"]) == expected
    listed = await client.get("/sessions")
    assert listed.status == 200 and deepjson.dumps((await read(listed))["data"][0]["session_state"]) == expected
    patched = await client.patch("/sessions/deep", **body({"session_state": {**state, "more": 1},
                                                           "metadata": {"m": nested(depth)}}))
    assert patched.status == 200, await patched.text()
    renamed = await client.post("/sessions/deep/rename", json={"session_name": "still readable"})
    assert renamed.status == 200 and (await read(renamed))["session_name"] == "still readable"


@pytest.mark.slow
async def test_deep_stored_rows_never_break_a_page(client: TestClient, pg_dsn: str) -> None:
    # Written by any SQL client: 12 000 levels, within what PostgreSQL stores by default.
    deep = deepjson.dumps({"session_state": nested(12_000), "session_name": "deep"})
    run_sql(pg_dsn, "INSERT INTO ai.agno_sessions (session_id, session_type, session_data, metadata, created_at)"
                    " VALUES ('stored', 'agent', %s::jsonb, %s::jsonb, 1), ('plain', 'agent', '{}', NULL, 2)",
            (deep, deepjson.dumps({"m": nested(12_000)})))
    run_sql(pg_dsn, "INSERT INTO ai.agno_runs (run_id, session_id, run_type, run_data, created_at)"
                    " VALUES ('r1', 'stored', 'agent', %s::jsonb, 1)",
            (deepjson.dumps({"run_id": "r1", "agent_id": "a", "content": nested(12_000)}),))
    listed = await client.get("/sessions")
    assert listed.status == 200
    assert [item["session_id"] for item in (await read(listed))["data"]] == ["plain", "stored"]
    for path in ("/sessions/stored", "/sessions/stored/runs", "/sessions/stored/runs/r1", "/sessions/stored/run-previews"):
        response = await client.get(path)
        assert response.status == 200, (path, await response.text())
    assert (await client.post("/sessions/stored/rename", json={"session_name": "x"})).status == 200
    patched = await client.patch("/sessions/stored", json={"session_name": "y"})
    assert patched.status == 200 and (await read(patched))["session_name"] == "y"


async def test_bodies_deeper_than_postgresql_or_our_bound_are_4xx(client: TestClient, pg_dsn: str) -> None:
    # Deeper than PostgreSQL's default max_stack_depth allows: it refuses, and that is the client's doing.
    refused = await client.post("/sessions", **body({"session_id": "too-deep", "session_state": nested(16_000)}))
    assert refused.status == 400
    assert (await refused.json())["detail"].startswith("The database cannot store this request's values: ")
    # Deeper than the parser's own bound: refused before anything else.
    bounded = await client.post("/sessions", **body({"session_state": nested(30_000)}))
    assert bounded.status == 400
    assert await bounded.json() == {"detail": "There was an error parsing the body"}
    assert run_sql(pg_dsn, "SELECT count(*) FROM ai.agno_sessions") == [(0,)]


@pytest.mark.parametrize(("raw", "loc", "literal"), [
    (b'{"session_state": {"a": NaN}}', ["body", "session_state", "a"], "NaN"),
    (b'{"session_state": {"list": [1, Infinity]}}', ["body", "session_state", "list", 1], "Infinity"),
    (b'{"metadata": {"x": -Infinity}}', ["body", "metadata", "x"], "-Infinity"),
    (b'{"session_state": {"big": 1e400}}', ["body", "session_state", "big"], "Infinity"),
])
async def test_numbers_jsonb_cannot_hold_are_422_naming_the_field(client: TestClient, pg_dsn: str, raw: bytes,
                                                                  loc: list[Any], literal: str) -> None:
    await client.post("/sessions", json={"session_id": "s"})
    for method, path in (("POST", "/sessions"), ("PATCH", "/sessions/s")):
        response = await client.request(method, path, data=raw, headers={"Content-Type": "application/json"})
        assert response.status == 422
        assert await response.json() == {"detail": [
            {"type": "finite_number", "loc": loc, "msg": "Input should be a finite number", "input": literal}]}
    assert run_sql(pg_dsn, "SELECT session_data, metadata FROM ai.agno_sessions") == [(None, None)]


async def test_nul_in_a_key_is_422_and_in_a_value_is_stripped_as_agno_does(client: TestClient, pg_dsn: str) -> None:
    raw = b'{"session_id": "k", "session_state": {"ok": [{"a\\u0000b": 1}]}}'
    response = await client.post("/sessions", data=raw, headers={"Content-Type": "application/json"})
    assert response.status == 422
    (entry,) = (await response.json())["detail"]
    assert (entry["type"], entry["loc"], entry["input"]) == ("value_error", ["body", "session_state", "ok", 0, "a\x00b"],
                                                             "a\x00b")
    assert run_sql(pg_dsn, "SELECT count(*) FROM ai.agno_sessions") == [(0,)]
    # In values NUL is dropped (agno strips it before writing); a literal backslash-u0000 is kept.
    raw = b'{"session_id": "v", "session_state": {"a": "x\\u0000y", "b": "\\\\u0000", "c": "\\\\\\u0000z"}}'
    assert (await client.post("/sessions", data=raw, headers={"Content-Type": "application/json"})).status == 201
    stored = run_sql(pg_dsn, "SELECT session_data->'session_state' FROM ai.agno_sessions")
    assert stored == [({"a": "xy", "b": "\\u0000", "c": "\\z"},)]


async def test_a_session_id_past_the_index_limit_is_400_not_an_outage(client: TestClient, pg_dsn: str) -> None:
    long_id = "".join(random.Random(7).choices(string.ascii_letters + string.digits, k=3000))
    response = await client.post("/sessions", json={"session_id": long_id})
    assert response.status == 400
    detail = (await response.json())["detail"]
    assert detail.startswith("The database cannot store this request's values: ") and "btree" in detail
    assert (await client.get(f"/sessions/{long_id}")).status == 404
    assert (await client.delete(f"/sessions/{long_id}")).status == 204
    assert (await client.post(f"/sessions/{long_id}/rename", json={"session_name": "n"})).status == 404
    assert (await client.get("/readyz")).status == 200
    assert run_sql(pg_dsn, "SELECT count(*) FROM ai.agno_sessions") == [(0,)]
    # A long name or state is stored: only index keys have the limit.
    assert (await client.post("/sessions", json={"session_id": "ok", "session_name": long_id * 10})).status == 201
    json.dumps(run_sql(pg_dsn, "SELECT session_data FROM ai.agno_sessions"))
