"""On a Citus cluster (a coordinator and two workers started here, with agno's tables distributed by session_id
as docs/scaling.md says), the service answers every request exactly as on one PostgreSQL holding the same
rows: lists with every filter, deterministic sort and page, derived names, detail, runs, run previews, one
run, rename, PATCH, create and deletes. Skipped where Citus is not installed (Debian does not package it)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from agno_session_aio.app import create_app
from agno_session_aio.config import Config, DatabaseConfig
from agno_session_aio.keys import DATABASES_KEY
from devkit import postgres
from devkit.citus import DISTRIBUTE, CitusCluster, CitusUnavailable
from devkit.localpg import sql

from . import seed
from .seed import T0

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def citus() -> Iterator[CitusCluster]:
    try:
        cluster = CitusCluster().start()
    except CitusUnavailable as exc:
        pytest.skip(str(exc))
    yield cluster
    cluster.stop()


def _seed(dsn: str) -> None:
    """The same sessions and runs, written by agno's own PostgresDb (which creates the tables)."""
    from agno.db.postgres import PostgresDb

    db = PostgresDb(db_url=postgres.sqlalchemy_url(dsn), id="default")
    try:
        for n in range(12):
            at = T0 + 100 * n
            user = f"u{n % 3}"
            seed.agent_session(db, f"a-{n}", at=at, user_id=user, agent_id="planner" if n % 2 else "other",
                               name=f"Trip {n}" if n % 4 == 0 else None, state={"n": n}, metadata={"m": n})
            seed.agent_run(db, f"a-{n}", f"ar-{n}-1", at=at + 1, text=f"Book table {n}", user_id=user)
            seed.agent_run(db, f"a-{n}", f"ar-{n}-2", at=at + 2, text=f"and a taxi {n}", user_id=user)
            seed.team_session(db, f"t-{n}", at=at + 10, user_id=user, name=f"Research {n}" if n % 3 == 0 else None)
            seed.team_run_with_member(db, f"t-{n}", at=at + 11, user_id=user)
            seed.workflow_session(db, f"w-{n}", at=at + 20, user_id=user)
            seed.workflow_run(db, f"w-{n}", at=at + 21, topic={"topic": f"t{n}"})
    finally:
        db.db_engine.dispose()


def _requests() -> list[tuple[str, str, Any]]:
    lists = [f"/sessions?limit={limit}&page={page}&sort_by={sort}&sort_order={order}"
             for sort in ("created_at", "updated_at", "session_id") for order in ("asc", "desc")
             for limit, page in ((7, 1), (7, 3), (7, 6), (50, 1))]
    lists += [f"/sessions?{query}" for query in (
        "user_id=u1", "type=agent", "type=team&user_id=u2", "type=workflow", "component_id=planner&type=agent",
        "component_id=planner", "session_name=trip", "session_name=research&type=team", "user_id=nobody",
        "limit=5&page=100")]
    reads = [f"/sessions/{sid}{tail}" for sid in ("a-1", "a-4", "t-3", "t-5", "w-2", "missing")
             for tail in ("", "/runs", "/run-previews")]
    reads += ["/sessions/a-1/runs/ar-1-2", "/sessions/t-5?type=team", "/sessions/a-1?user_id=u1",
              "/sessions/a-1?user_id=u0"]
    writes: list[tuple[str, str, Any]] = [
        ("POST", "/sessions/a-2/rename", {"session_name": "Renamed"}),
        ("POST", "/sessions/t-2/rename?type=team", {"session_name": "Team renamed"}),
        ("PATCH", "/sessions/w-3", {"session_state": {"patched": True}, "metadata": {"x": 1}}),
        ("PATCH", "/sessions/missing", {"metadata": {}}),
        ("POST", "/sessions", {"session_id": "new-1", "session_name": "New", "user_id": "u1"}),
        ("POST", "/sessions", {"session_id": "new-1"}),
        ("DELETE", "/sessions/a-5", None),
        ("DELETE", "/sessions", {"session_ids": ["t-6", "w-7", "missing"], "session_types": ["team", "workflow", "agent"]}),
    ]
    after = ["/sessions?limit=50&sort_by=session_id", "/sessions/a-2", "/sessions/t-2?type=team", "/sessions/w-3",
             "/sessions/new-1", "/sessions/a-5", "/sessions/t-6/runs", "/sessions?session_name=renamed"]
    return ([("GET", path, None) for path in lists + reads] + writes + [("GET", path, None) for path in after])


def _without_request_times(value: Any, since: float) -> Any:
    """Timestamps the request itself made (a create, a PATCH) differ by the second they ran in."""
    if isinstance(value, dict):
        return {k: "<now>" if k in ("created_at", "updated_at") and _recent(v, since) else _without_request_times(v, since)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_without_request_times(v, since) for v in value]
    return value


def _recent(value: Any, since: float) -> bool:
    if isinstance(value, int):
        return value >= since
    return isinstance(value, str) and value >= time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(since))


async def _answer(client: TestClient, method: str, path: str, body: Any) -> tuple[int, Any]:
    response = await client.request(method, path, json=body) if body is not None else await client.request(method, path)
    return response.status, (await response.json() if response.status != 204 else None)


async def test_the_service_answers_on_citus_as_on_one_server(aiohttp_client: AiohttpClient, citus: CitusCluster,
                                                             pg_server_dsn: str) -> None:
    name = f"agno_citus_{uuid.uuid4().hex[:8]}"
    sharded = citus.create_database(name)
    _seed(sharded)
    # A process already serving when the operator distributes the tables ...
    started_before = await aiohttp_client(create_app(Config(databases=(DatabaseConfig("default", sharded),))))
    assert not started_before.app[DATABASES_KEY].stores["default"].tables.distributed
    for statement in DISTRIBUTE:
        sql(sharded, statement)
    assert sql(sharded, "SELECT count(*) FROM citus_shards WHERE table_name::text LIKE 'ai.agno_%'")[0][0] > 2
    with postgres.throwaway_database(pg_server_dsn, prefix="agno_citus_plain") as plain:
        _seed(plain.dsn)
        on_citus = await aiohttp_client(create_app(Config(databases=(DatabaseConfig("default", sharded),))))
        on_one = await aiohttp_client(create_app(Config(databases=(DatabaseConfig("default", plain.dsn),))))
        assert on_citus.app[DATABASES_KEY].stores["default"].tables.distributed
        assert not on_one.app[DATABASES_KEY].stores["default"].tables.distributed
        # ... finds out at its next list page, which it answers as the others do.
        page = "/sessions?limit=50&sort_by=created_at"
        assert await _answer(started_before, "GET", page, None) == await _answer(on_one, "GET", page, None)
        assert started_before.app[DATABASES_KEY].stores["default"].tables.distributed
        since = time.time() - 1
        mismatches = []
        for method, path, body in _requests():
            citus_answer, one_answer = (await _answer(on_citus, method, path, body),
                                        await _answer(on_one, method, path, body))
            if _without_request_times(citus_answer, since) != _without_request_times(one_answer, since):
                mismatches.append(f"{method} {path}:\n  citus {citus_answer}\n  one   {one_answer}")
            assert citus_answer[0] < 500, f"{method} {path}: {citus_answer}"
        assert mismatches == []
        # The list found derived names (the second statement ran), and named sessions kept theirs.
        listed = (await _answer(on_citus, "GET", "/sessions?limit=50&type=agent", None))[1]
        names = {item["session_id"]: item["session_name"] for item in listed["data"]}
        assert names["a-1"] == "Book table 1" and names["a-4"] == "Trip 4"
