"""GET /sessions through HTTP on a real PostgreSQL: filters, pagination edges, sorting, derived names."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from . import seed
from .conftest import run_sql
from .seed import T0


@pytest.fixture
def listed(agno_db: Any) -> None:
    """Five sessions of all three types, written by agno, with distinct creation times."""
    seed.agent_session(agno_db, "a-named", at=T0, name="Trip to Lisbon", user_id="u1", agent_id="planner",
                       state={"city": "Lisbon"}, metadata={"m": 1}, agent_data={"sdk": "claude"},
                       metrics={"input_tokens": 3, "total_tokens": 7})
    seed.agent_session(agno_db, "a-derived", at=T0 + 10, user_id="u2", agent_id="planner")
    seed.agent_run(agno_db, "a-derived", "r1", at=T0 + 11, text="Book a table", user_id="u2")
    seed.team_session(agno_db, "t-1", at=T0 + 20, name="Research_100%", user_id="u1")
    seed.team_run_with_member(agno_db, "t-1", at=T0 + 21)
    seed.workflow_session(agno_db, "w-1", at=T0 + 30, user_id="u2")
    seed.workflow_run(agno_db, "w-1", at=T0 + 31, topic={"topic": "x"})
    seed.agent_session(agno_db, "a-empty", at=T0 + 40, user_id=None, agent_id="other")


async def _ids(client: TestClient, query: str) -> list[str]:
    response = await client.get(f"/sessions{query}")
    assert response.status == 200, await response.text()
    return [item["session_id"] for item in (await response.json())["data"]]


async def test_sessions_list_default_is_newest_first_with_meta(client: TestClient, listed: None) -> None:
    response = await client.get("/sessions")
    body = await response.json()
    assert [item["session_id"] for item in body["data"]] == ["a-empty", "w-1", "t-1", "a-derived", "a-named"]
    assert body["meta"] == {"page": 1, "limit": 20, "total_pages": 1, "total_count": 5, "search_time_ms": 0.0}
    assert list(body["meta"]) == ["page", "limit", "total_pages", "total_count", "search_time_ms"]


async def test_sessions_list_item_shape(client: TestClient, listed: None) -> None:
    body = await (await client.get("/sessions?sort_order=asc&limit=1")).json()
    assert body["data"][0] == {
        "session_id": "a-named",
        "session_name": "Trip to Lisbon",
        "session_state": {"city": "Lisbon"},
        "created_at": "2025-09-05T16:02:09Z",
        "updated_at": "2025-09-05T16:02:09Z",
        "session_type": "agent",
        "user_id": "u1",
        "agent_id": "planner",
        "metrics": {"input_tokens": 3, "total_tokens": 7},
        "total_tokens": 7,
        "metadata": {"m": 1, "sdk": "claude"},
    }
    assert list(body["data"][0]) == list(
        ["session_id", "session_name", "session_state", "created_at", "updated_at", "session_type", "user_id",
         "agent_id", "metrics", "total_tokens", "metadata"]
    )


async def test_sessions_list_derives_names_from_runs(client: TestClient, listed: None) -> None:
    items = {item["session_id"]: item for item in (await (await client.get("/sessions")).json())["data"]}
    assert items["a-derived"]["session_name"] == "Book a table"
    assert items["w-1"]["session_name"] == '{"topic": "x"}'
    assert items["w-1"]["metadata"] == {}
    assert items["a-empty"]["session_name"] == ""
    assert "user_id" not in items["a-empty"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?type=agent", ["a-empty", "a-derived", "a-named"]),
        ("?type=team", ["t-1"]),
        ("?type=workflow", ["w-1"]),
        ("?component_id=planner", ["a-derived", "a-named"]),
        ("?component_id=research-team", ["t-1"]),
        ("?type=team&component_id=planner", []),
        ("?type=workflow&component_id=blog-wf", ["w-1"]),
        ("?user_id=u1", ["t-1", "a-named"]),
        ("?user_id=", []),
        ("?session_name=lisbon", ["a-named"]),
        ("?session_name=", ["a-empty", "w-1", "t-1", "a-derived", "a-named"]),
        # agno does not escape LIKE wildcards: _ matches any character of a stored name
        ("?session_name=_", ["t-1", "a-named"]),
        ("?session_name=100%25", ["t-1"]),
        # only stored names match, never derived ones
        ("?session_name=Book", []),
        ("?user_id=u2&type=agent", ["a-derived"]),
    ],
)
async def test_sessions_list_filters(client: TestClient, listed: None, query: str, expected: list[str]) -> None:
    assert await _ids(client, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?sort_by=created_at&sort_order=asc", ["a-named", "a-derived", "t-1", "w-1", "a-empty"]),
        ("?sort_by=session_id&sort_order=asc", ["a-derived", "a-empty", "a-named", "t-1", "w-1"]),
        ("?sort_by=session_id", ["w-1", "t-1", "a-named", "a-empty", "a-derived"]),
        ("?sort_by=updated_at&sort_order=asc", ["a-named", "a-derived", "t-1", "w-1", "a-empty"]),
    ],
)
async def test_sessions_list_sorting(client: TestClient, listed: None, query: str, expected: list[str]) -> None:
    assert await _ids(client, query) == expected


async def test_sessions_list_unknown_sort_is_not_an_error(client: TestClient, listed: None) -> None:
    assert sorted(await _ids(client, "?sort_by=nope")) == ["a-derived", "a-empty", "a-named", "t-1", "w-1"]
    assert sorted(await _ids(client, "?sort_by=")) == ["a-derived", "a-empty", "a-named", "t-1", "w-1"]


async def test_sessions_list_pagination_edges(client: TestClient, listed: None) -> None:
    first = await (await client.get("/sessions?limit=2&page=1")).json()
    third = await (await client.get("/sessions?limit=2&page=3")).json()
    beyond = await (await client.get("/sessions?limit=2&page=100")).json()
    assert [item["session_id"] for item in first["data"]] == ["a-empty", "w-1"]
    assert [item["session_id"] for item in third["data"]] == ["a-named"]
    assert beyond == {"data": [], "meta": {"page": 100, "limit": 2, "total_pages": 3, "total_count": 5,
                                           "search_time_ms": 0.0}}
    huge = await (await client.get("/sessions?limit=1000000")).json()
    assert huge["meta"]["total_pages"] == 1 and len(huge["data"]) == 5


async def test_sessions_list_empty_database(client: TestClient) -> None:
    body = await (await client.get("/sessions")).json()
    assert body == {"data": [], "meta": {"page": 1, "limit": 20, "total_pages": 0, "total_count": 0,
                                         "search_time_ms": 0.0}}


async def test_sessions_list_page_zero_is_a_clean_422(client: TestClient) -> None:
    # AgentOS answers 500 (ValueError) here; see docs/compatibility.md.
    response = await client.get("/sessions?page=0")
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == ["query", "page"]


async def test_sessions_list_trailing_slash_is_the_same(client: TestClient, listed: None) -> None:
    assert await _ids(client, "/?type=team") == ["t-1"]


# Runs (as stored run_data) that make agno's name rule pick, skip or stringify; each list is one session.
NAME_CASES: list[tuple[str, list[Any]]] = [
    ("agent", [{"agent_id": "a", "messages": [{"role": "user", "content": ""}, {"role": "user", "content": "hi"}]}]),
    ("agent", [{"agent_id": "a", "messages": "not a list", "input": {"input_content": "from input"}}]),
    ("agent", [{"agent_id": "a", "messages": [{"role": "user", "content": 0}], "input": None},
               {"agent_id": "a", "messages": [{"role": "user", "content": ["part"]}]}]),
    ("agent", [{"agent_id": "a", "messages": [{"role": "user", "content": False}, {"role": "user", "content": {}}]}]),
    ("agent", [{"agent_id": "a", "messages": [{"role": "assistant", "content": "no"}], "input": "plain"}]),
    ("agent", [{"agent_id": "a"}]),
    ("team", [{"agent_id": "member", "messages": [{"role": "user", "content": "member"}]},
              {"team_id": "t", "agent_id": "", "messages": [{"role": "user", "content": "team"}]}]),
    ("team", [{"agent_id": 0, "input": {"input_content": 5}}]),
    ("workflow", [{"workflow_id": "w", "input": {"topic": "x"}}, {"workflow_id": "w", "input": "second"}]),
    ("workflow", [{"workflow_id": "w", "input": None}]),
    ("workflow", []),
]


async def test_list_names_agree_with_the_detail(client: TestClient, pg_dsn: str) -> None:
    # The list finds the name-deciding run in SQL (sql.NAME_SOURCE), the detail in Python: they must agree.
    for index, (session_type, runs) in enumerate(NAME_CASES):
        session_id = f"n-{index}"
        run_sql(pg_dsn, f"INSERT INTO ai.agno_sessions (session_id, session_type, {session_type}_id, session_data,"
                        " workflow_data, created_at) VALUES (%s, %s, 'c', '{}', %s, %s)",
                (session_id, session_type, '{"name": "Flow"}' if session_type == "workflow" else None, T0 + index))
        for position, run_data in enumerate(runs):
            run_id = f"{session_id}-r{position}"
            run_sql(pg_dsn, "INSERT INTO ai.agno_runs (run_id, session_id, run_type, run_index, run_data, created_at)"
                            " VALUES (%s, %s, %s, %s, %s, %s)",
                    (run_id, session_id, session_type, position, json.dumps({"run_id": run_id, **run_data}), T0))
    listing = await client.get("/sessions?limit=100")
    listed_names = {item["session_id"]: item["session_name"] for item in (await listing.json())["data"]}
    assert len(listed_names) == len(NAME_CASES)
    for index, (session_type, _) in enumerate(NAME_CASES):
        detail = await client.get(f"/sessions/n-{index}?type={session_type}")
        assert detail.status == 200
        assert listed_names[f"n-{index}"] == (await detail.json())["session_name"], NAME_CASES[index]
    assert listed_names["n-0"] == "hi" and listed_names["n-6"] == "team" and listed_names["n-10"] == ""
