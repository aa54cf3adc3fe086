"""/openapi.json and /docs: the document against AgentOS's own, and against what the service reads.

* structure: every AgentOS session operation, its parameters, body and answers, and every schema they
  reference, equal to AgentOS 3.1.10's document once prose (descriptions, summaries, examples) and the
  answers this service adds are set aside;
* completeness: every route has an operation, and every query parameter a request's parsing reads is
  declared for that operation (recorded from real requests);
* served open in every auth mode, as AgentOS serves it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from multidict import MultiDict
from pytest_aiohttp import AiohttpClient

from agno_session_aio import openapi, routes
from agno_session_aio.app import create_app
from agno_session_aio.config import Config, JwtConfig

PROSE = frozenset({"description", "summary", "example", "examples"})


def _without_prose(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_prose(item) for key, item in value.items() if key not in PROSE}
    if isinstance(value, list):
        return [_without_prose(item) for item in value]
    return value


def _references(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref":
                found.add(item.rsplit("/", 1)[-1])
            else:
                _references(item, found)
    elif isinstance(value, list):
        for item in value:
            _references(item, found)


@pytest.fixture(scope="module")
def agentos_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import os

    os.environ.setdefault("OPENAI_API_KEY", "dummy")
    from agno.agent import Agent
    from agno.db.sqlite import SqliteDb
    from agno.os import AgentOS

    db = SqliteDb(db_file=str(tmp_path_factory.mktemp("agentos") / "openapi.db"))
    document: dict[str, Any] = AgentOS(agents=[Agent(id="a", db=db)], telemetry=False).get_app().openapi()
    return document


@pytest.mark.slow  # builds the real AgentOS
def test_session_operations_are_agentos_operations(agentos_document: dict[str, Any]) -> None:
    ours = openapi.document()
    theirs = {path: item for path, item in agentos_document["paths"].items() if path.startswith("/sessions")}
    assert set(theirs) == {path for path in ours["paths"] if path.startswith("/sessions")}
    for path, item in theirs.items():
        assert set(item) == set(ours["paths"][path]), path
        for method, operation in item.items():
            mine = json.loads(json.dumps(ours["paths"][path][method]))
            for code in openapi.OWN_ERRORS if mine["tags"] == ["Sessions"] else ():
                del mine["responses"][code]
            assert _without_prose(mine) == _without_prose(operation), f"{method.upper()} {path}"


@pytest.mark.slow
def test_referenced_schemas_are_agentos_schemas(agentos_document: dict[str, Any]) -> None:
    names: set[str] = set()
    _references({p: i for p, i in agentos_document["paths"].items() if p.startswith("/sessions")}, names)
    theirs = agentos_document["components"]["schemas"]
    while True:  # and what those reference
        more = set(names)
        for name in names:
            _references(theirs[name], more)
        if more == names:
            break
        names = more
    assert len(names) > 20
    for name in sorted(names):
        assert _without_prose(openapi.COMPONENTS[name]) == _without_prose(theirs[name]), name
    assert _without_prose(openapi.COMPONENTS["HealthResponse"]) == _without_prose(theirs["HealthResponse"])
    assert openapi.document()["components"]["securitySchemes"] == agentos_document["components"]["securitySchemes"]


def test_every_route_is_documented_and_every_reference_resolves() -> None:
    document = openapi.document()
    served = {openapi.openapi_path(path) for path, _ in (*routes.SESSION_ROUTES, *routes.OPEN_ROUTES)}
    assert served - {"/openapi.json", "/docs"} == set(document["paths"])
    names: set[str] = set()
    _references(document, names)
    assert names <= set(document["components"]["schemas"])
    for item in document["paths"].values():
        for operation in item.values():
            assert operation["responses"] and all("description" in answer for answer in operation["responses"].values())


# One request per operation, with a valid body where one is needed: the recorder notes every query
# parameter the request's parsing asks for.
REQUESTS = [
    ("get_sessions", "GET", "/sessions", None),
    ("create_session", "POST", "/sessions", {"session_id": "oa-1"}),
    ("delete_sessions", "DELETE", "/sessions", {"session_ids": ["x"], "session_types": ["agent"]}),
    ("get_session_by_id", "GET", "/sessions/oa-1", None),
    ("update_session", "PATCH", "/sessions/oa-1", {"session_name": "n"}),
    ("delete_session", "DELETE", "/sessions/oa-1", None),
    ("get_session_runs", "GET", "/sessions/oa-1/runs", None),
    ("get_session_run_previews", "GET", "/sessions/oa-1/run-previews", None),
    ("get_session_run", "GET", "/sessions/oa-1/runs/r", None),
    ("rename_session", "POST", "/sessions/oa-1/rename", {"session_name": "n"}),
    ("get_session_media", "GET", "/sessions/oa-1/media/k", None),
]


class RecordingQuery(MultiDict[str]):
    """A query mapping that notes every name it is asked for."""

    asked: set[str] = set()

    def getall(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        RecordingQuery.asked.add(key)
        return super().getall(key, default) if default is not None else super().getall(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        RecordingQuery.asked.add(key)
        return super().get(key, default)

    def getone(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        RecordingQuery.asked.add(key)
        return super().getone(key, default) if default is not None else super().getone(key)

    def __getitem__(self, key: str) -> str:
        RecordingQuery.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        RecordingQuery.asked.add(str(key))
        return super().__contains__(key)


async def test_every_parameter_read_is_declared(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    original = web.BaseRequest.query

    def recording(request: web.BaseRequest) -> RecordingQuery:
        # not wrapped in a MultiDictProxy: the proxy would read the dict without calling its methods
        return RecordingQuery(original.__get__(request))  # type: ignore[attr-defined]

    monkeypatch.setattr(web.BaseRequest, "query", property(recording))
    operations = {op["operationId"]: op for item in openapi.document()["paths"].values() for op in item.values()}
    assert {operation_id for operation_id, *_ in REQUESTS} == {
        op_id for op_id, op in operations.items() if op["tags"] != ["Health"] and op["tags"] != ["Operations"]}
    for operation_id, method, path, body in REQUESTS:
        RecordingQuery.asked = set()
        response = await client.request(method, path, json=body)
        assert response.status < 500 or response.status == 503, (operation_id, response.status, await response.text())
        declared = {p["name"] for p in operations[operation_id]["parameters"] if p["in"] == "query"}
        assert RecordingQuery.asked == declared, operation_id


@pytest.mark.parametrize("auth", ["none", "key", "jwt"])
async def test_document_and_docs_are_open(aiohttp_client: AiohttpClient, config: Config, auth: str,
                                         tmp_path: Path) -> None:
    if auth == "key":
        config = attrs.evolve(config, security_key="s3cret")
    elif auth == "jwt":
        config = attrs.evolve(config, jwt=JwtConfig(keys=("secret",), algorithm="HS256", authorization=True))
    client = await aiohttp_client(create_app(config))
    for path in ("/openapi.json", "/openapi.json/", "/docs"):
        response = await client.get(path)
        assert response.status == 200, path
    document = await (await client.get("/openapi.json")).json()
    assert document == json.loads(json.dumps(openapi.document()))
    page = await (await client.get("/docs")).text()
    assert "/openapi.json" in page and "swagger-ui" in page
    assert (await client.get("/sessions")).status == (200 if auth == "none" else 401)
