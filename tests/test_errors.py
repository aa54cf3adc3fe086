"""Every error leaves in AgentOS's `{"detail": ...}` shape: 404/405/409/422/401/500/504."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from agno_session_aio.app import create_app
from agno_session_aio.config import Config
from agno_session_aio.middlewares import error_middleware, make_timeout_middleware, request_context_middleware

TYPE_ENUM = {"type": "enum", "loc": ["query", "type"], "msg": "Input should be 'agent', 'team' or 'workflow'",
             "ctx": {"expected": "'agent', 'team' or 'workflow'"}}
INT_PARSING = "Input should be a valid integer, unable to parse string as an integer"


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("GET", "/sessions?type=bogus", None, [{**TYPE_ENUM, "input": "bogus"}]),
        ("GET", "/sessions?type=", None, [{**TYPE_ENUM, "input": ""}]),
        ("GET", "/sessions?type=Agent", None, [{**TYPE_ENUM, "input": "Agent"}]),
        ("GET", "/sessions?limit=abc", None,
         [{"type": "int_parsing", "loc": ["query", "limit"], "msg": INT_PARSING, "input": "abc"}]),
        ("GET", "/sessions?limit=", None,
         [{"type": "int_parsing", "loc": ["query", "limit"], "msg": INT_PARSING, "input": ""}]),
        ("GET", "/sessions?limit=0&page=-1", None, [
            {"type": "greater_than_equal", "loc": ["query", "limit"],
             "msg": "Input should be greater than or equal to 1", "input": "0", "ctx": {"ge": 1}},
            {"type": "greater_than_equal", "loc": ["query", "page"],
             "msg": "Input should be greater than or equal to 0", "input": "-1", "ctx": {"ge": 0}}]),
        ("GET", "/sessions?limit=%D9%A5", None,
         [{"type": "int_parsing", "loc": ["query", "limit"], "msg": INT_PARSING, "input": "\u0665"}]),
        ("PATCH", "/sessions/x", "null", [
            {"type": "model_attributes_type", "loc": ["body"],
             "msg": "Input should be a valid dictionary or object to extract fields from", "input": None}]),
        ("DELETE", "/sessions", {}, [
            {"type": "missing", "loc": ["body", "session_ids"], "msg": "Field required", "input": {}},
            {"type": "missing", "loc": ["body", "session_types"], "msg": "Field required", "input": {}}]),
        ("GET", "/sessions?sort_order=ASC", None, [
            {"type": "enum", "loc": ["query", "sort_order"], "msg": "Input should be 'asc' or 'desc'",
             "input": "ASC", "ctx": {"expected": "'asc' or 'desc'"}}]),
        ("GET", "/sessions/x/runs?created_after=yesterday", None,
         [{"type": "int_parsing", "loc": ["query", "created_after"], "msg": INT_PARSING, "input": "yesterday"}]),
        ("DELETE", "/sessions/x?delete_media=maybe", None, [
            {"type": "bool_parsing", "loc": ["query", "delete_media"],
             "msg": "Input should be a valid boolean, unable to interpret input", "input": "maybe"}]),
        ("POST", "/sessions", {"session_state": "notadict"}, [
            {"type": "dict_type", "loc": ["body", "session_state"], "msg": "Input should be a valid dictionary",
             "input": "notadict"}]),
        ("POST", "/sessions", {"session_id": 5}, [
            {"type": "string_type", "loc": ["body", "session_id"], "msg": "Input should be a valid string",
             "input": 5}]),
        ("POST", "/sessions", [1], [
            {"type": "model_attributes_type", "loc": ["body"],
             "msg": "Input should be a valid dictionary or object to extract fields from", "input": [1]}]),
        ("POST", "/sessions/x/rename", {}, [
            {"type": "missing", "loc": ["body", "session_name"], "msg": "Field required", "input": None}]),
        ("POST", "/sessions/x/rename", {"session_name": None}, [
            {"type": "string_type", "loc": ["body", "session_name"], "msg": "Input should be a valid string",
             "input": None}]),
        ("PATCH", "/sessions/x", None, [{"type": "missing", "loc": ["body"], "msg": "Field required",
                                         "input": None}]),
        ("DELETE", "/sessions", {"session_ids": [], "session_types": ["x"]}, [
            {"type": "too_short", "loc": ["body", "session_ids"],
             "msg": "List should have at least 1 item after validation, not 0", "input": [],
             "ctx": {"field_type": "List", "min_length": 1, "actual_length": 0}},
            {"type": "enum", "loc": ["body", "session_types", 0], "msg": "Input should be 'agent', 'team' or "
             "'workflow'", "input": "x", "ctx": {"expected": "'agent', 'team' or 'workflow'"}}]),
    ],
)
async def test_error_422_bodies(client: TestClient, method: str, path: str, body: Any,
                                expected: list[dict[str, Any]]) -> None:
    kwargs: dict[str, Any] = {"json": body} if body is not None else {}
    if body == "null":
        kwargs = {"data": b"null", "headers": {"Content-Type": "application/json"}}
    response = await client.request(method, path, **kwargs)
    assert response.status == 422
    assert await response.json() == {"detail": expected}


async def test_error_malformed_json_reports_offset(client: TestClient) -> None:
    response = await client.post("/sessions", data=b"{bad", headers={"Content-Type": "application/json"})
    assert await response.json() == {"detail": [
        {"type": "json_invalid", "loc": ["body", 1], "msg": "JSON decode error", "input": {},
         "ctx": {"error": "Expecting property name enclosed in double quotes"}}]}


async def test_error_routing_404_and_405(client: TestClient) -> None:
    unknown = await client.get("/sessions/a/b/c/d")
    assert (unknown.status, await unknown.json()) == (404, {"detail": "Not Found"})
    # AgentOS decodes %2F before routing, so such an id matches no route.
    await client.post("/sessions", json={"session_id": "a/b"})
    encoded = await client.get("/sessions/a%2Fb")
    assert (encoded.status, await encoded.json()) == (404, {"detail": "Not Found"})
    # Starlette's Allow names the first route's method only.
    for method, path, allow in [("PUT", "/sessions/x", "GET"), ("PATCH", "/sessions", "GET"),
                                ("GET", "/sessions/x/rename", "POST"), ("HEAD", "/sessions", "GET")]:
        wrong = await client.request(method, path)
        assert wrong.status == 405 and wrong.headers["Allow"] == allow
        if method != "HEAD":
            assert await wrong.json() == {"detail": "Method Not Allowed"}


async def test_error_body_without_json_content_type_is_not_parsed(client: TestClient) -> None:
    created = await client.post("/sessions", data=b'{"session_id": "x"}')
    assert created.status == 422
    assert (await created.json())["detail"][0]["type"] == "model_attributes_type"
    renamed = await client.post("/sessions/x/rename", data=b'{"session_name": "y"}')
    assert (await renamed.json())["detail"][0]["type"] == "missing"


async def test_error_nul_bytes_match_nothing(client: TestClient) -> None:
    # PostgreSQL text cannot hold NUL; AgentOS answers 500, we answer what such a filter means.
    listed = await client.get("/sessions?session_name=a%00b&user_id=a%00b")
    assert listed.status == 200 and (await listed.json())["data"] == []
    assert (await client.get("/sessions/a%00b")).status == 404
    assert (await client.get("/sessions/x/runs?user_id=a%00b")).status == 404
    assert (await client.delete("/sessions/a%00b")).status == 204


async def test_error_db_selection_rules(client: TestClient) -> None:
    cases = {
        "/sessions?db_id=nope": (404, "No database found with id 'nope'"),
        "/sessions?table=agno_sessions": (400, "The db_id query parameter is required when passing a table"),
        "/sessions?db_id=default&table=other": (404, "No database with id 'default' has table 'other'"),
        "/sessions/x?db_id=nope": (404, "No database found with id 'nope'"),
    }
    for path, (status, detail) in cases.items():
        response = await client.get(path)
        assert (response.status, await response.json()) == (status, {"detail": detail}), path
    assert (await client.get("/sessions?db_id=default&table=agno_sessions")).status == 200


@pytest.mark.parametrize(
    ("authorization", "status", "detail"),
    [
        (None, 401, "Authorization header required"),
        ("Bearer s3cret", 200, None),
        ("bearer s3cret", 200, None),
        ("s3cret", 200, None),
        ("Bearer   s3cret  ", 200, None),
        ("Basic s3cret", 401, "Invalid authentication token"),
        ("Bearer wrong", 401, "Invalid authentication token"),
        ("s3cret extra", 401, "Invalid authentication token"),
        ("Bearer agno_pat_abc", 401, "Invalid or expired service account token"),
    ],
)
async def test_error_security_key(aiohttp_client: AiohttpClient, config: Config, authorization: str | None,
                                  status: int, detail: str | None) -> None:
    import attrs

    client = await aiohttp_client(create_app(attrs.evolve(config, security_key="s3cret")))
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.get("/sessions?limit=abc" if status == 401 else "/sessions", headers=headers)
    assert response.status == status
    if detail:
        assert await response.json() == {"detail": detail}
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/health")).status == 200
    assert (await client.get("/health/")).status == 200
    # CORS preflights pass auth, as in AgentOS; there is no OPTIONS route, so they get a 405.
    assert (await client.options("/sessions")).status == 405


async def _app_with(handler: Any, timeout: float = 5.0) -> web.Application:
    app = web.Application(middlewares=[request_context_middleware, error_middleware,
                                       make_timeout_middleware(timeout)])
    app.router.add_get("/x", handler)
    return app


async def test_error_unexpected_exception_is_500_json_and_service_keeps_serving(
    aiohttp_client: AiohttpClient,
) -> None:
    calls = []

    async def boom(request: web.Request) -> web.Response:
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("oops")
        return web.json_response({"ok": True})

    client = await aiohttp_client(await _app_with(boom))
    first = await client.get("/x", headers={"X-Request-ID": "req-123"})
    assert first.status == 500
    assert await first.json() == {"detail": "Internal server error (KeyError)"}
    assert first.headers["X-Request-ID"] == "req-123"
    assert (await client.get("/x")).status == 200


async def test_error_timeout_is_504_json(aiohttp_client: AiohttpClient) -> None:
    cancelled = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return web.json_response({})

    client = await aiohttp_client(await _app_with(slow, timeout=0.05))
    response = await client.get("/x")
    assert (response.status, await response.json()) == (504, {"detail": "Request timed out"})
    assert cancelled.is_set()


async def test_error_request_id_generated_or_echoed(client: TestClient) -> None:
    generated = await client.get("/healthz")
    assert len(generated.headers["X-Request-ID"]) == 32
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-1"})
    assert echoed.headers["X-Request-ID"] == "abc-1"
    insane = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert insane.headers["X-Request-ID"] != "bad id\twith spaces"
