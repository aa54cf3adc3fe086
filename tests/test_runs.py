"""GET /sessions/{id}/runs, /run-previews and /runs/{run_id} on runs written by agno."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from . import seed
from .seed import T0


@pytest.fixture
def agent_runs(agno_db: Any) -> None:
    seed.agent_session(agno_db, "s-a", agent_data={"sdk": "claude"})
    seed.agent_run(agno_db, "s-a", "r1", at=T0 + 10)
    seed.agent_run(agno_db, "s-a", "r2", at=T0 + 20, text="second", status=seed.RunStatus.error)
    seed.agent_run(agno_db, "s-a", "r3", at=T0 + 30, text="third", status=seed.RunStatus.pending)


async def _run_ids(client: TestClient, path: str) -> list[str]:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    return [run["run_id"] for run in await response.json()]


async def test_runs_agent_shape(client: TestClient, agent_runs: None) -> None:
    runs = await (await client.get("/sessions/s-a/runs")).json()
    assert [run["run_id"] for run in runs] == ["r1", "r2", "r3"]
    first = runs[0]
    assert first["run_input"] == "Plan a trip" and first["run_response_format"] == "text"
    assert first["metadata"] == {"sdk": "claude"}
    assert first["input_media"] == {"images": [], "videos": [], "audios": [], "files": []}
    assert [message["role"] for message in first["messages"]] == ["system", "user", "assistant"]
    assert "cancellation_stage" not in first and "tools" not in first


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"?created_after={T0 + 20}", ["r2", "r3"]),
        (f"?created_before={T0 + 20}", ["r1", "r2"]),
        (f"?created_after={T0 + 11}&created_before={T0 + 29}", ["r2"]),
        ("?status=completed", ["r1"]),
        ("?status=ERROR&status=pending", ["r2", "r3"]),
    ],
)
async def test_runs_filters(client: TestClient, agent_runs: None, query: str, expected: list[str]) -> None:
    assert await _run_ids(client, f"/sessions/s-a/runs{query}") == expected
    assert await _run_ids(client, f"/sessions/s-a/run-previews{query}") == expected


async def test_runs_bad_status_is_400_before_lookup(client: TestClient) -> None:
    response = await client.get("/sessions/missing/runs?status=done&status=")
    assert response.status == 400
    assert await response.json() == {"detail": "Invalid status value(s) ['', 'DONE']; expected one of "
                                               "['CANCELLED', 'COMPLETED', 'ERROR', 'PAUSED', 'PENDING', "
                                               "'REGENERATED', 'RUNNING']"}


async def test_runs_missing_session_and_empty(client: TestClient) -> None:
    missing = await client.get("/sessions/nope/runs")
    assert missing.status == 404 and await missing.json() == {"detail": "Session with ID nope not found"}
    await client.post("/sessions", json={"session_id": "empty"})
    assert await (await client.get("/sessions/empty/runs")).json() == []


async def test_runs_team_session_lists_member_runs_flat(client: TestClient, agno_db: Any) -> None:
    seed.team_session(agno_db, "s-t")
    seed.team_run_with_member(agno_db, "s-t", at=T0 + 70)
    runs = await (await client.get("/sessions/s-t/runs")).json()
    assert [(run["run_id"], run.get("team_id"), run.get("agent_id")) for run in runs] == [
        (f"team-{T0 + 70}", "research-team", None), (f"member-{T0 + 70}", None, "searcher")]
    assert runs[1]["parent_run_id"] == f"team-{T0 + 70}"
    assert "metadata" not in runs[0] and runs[0]["run_input"] == "Research X"


async def test_runs_workflow_session(client: TestClient, agno_db: Any) -> None:
    seed.workflow_session(agno_db, "s-w")
    seed.workflow_run(agno_db, "s-w", at=T0 + 130)
    (run,) = await (await client.get("/sessions/s-w/runs")).json()
    assert run["run_input"] == "write about X" and run["events"] == [] and run["content_type"] == "str"
    assert run["step_results"][0]["step_name"] == "research"
    (preview,) = await (await client.get("/sessions/s-w/run-previews")).json()
    assert preview == {"run_id": f"wf-{T0 + 130}", "workflow_id": "blog-wf", "user_id": "user-2",
                       "status": "COMPLETED", "run_input": "write about X", "content_preview": "draft",
                       "created_at": "2025-09-05T16:04:19Z"}


async def test_single_run_and_its_404s(client: TestClient, agent_runs: None) -> None:
    run = await (await client.get("/sessions/s-a/runs/r2")).json()
    assert run["run_id"] == "r2" and run["status"] == "ERROR"
    assert run["cancellation_stage"] is None and run["tools"] is None  # nulls are kept on this route
    cases = {
        "/sessions/nope/runs/r1": "Session with ID nope not found",
        "/sessions/s-a/runs/zz": "Run with ID zz not found in session s-a",
    }
    for path, detail in cases.items():
        response = await client.get(path)
        assert (response.status, await response.json()) == (404, {"detail": detail})
    await client.post("/sessions", json={"session_id": "empty"})
    no_runs = await client.get("/sessions/empty/runs/r1")
    assert await no_runs.json() == {"detail": "Session with ID empty has no runs"}


async def test_run_preview_truncates(client: TestClient, agno_db: Any) -> None:
    seed.agent_session(agno_db, "s-long")
    seed.agent_run(agno_db, "s-long", "r", at=T0, text="x" * 500, answer="é" * 300)
    (preview,) = await (await client.get("/sessions/s-long/run-previews")).json()
    assert preview["run_input"] == "x" * 280 and preview["content_preview"] == "é" * 280
