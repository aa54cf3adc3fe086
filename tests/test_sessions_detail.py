"""GET /sessions/{id}: agent, team and workflow detail shapes of rows written by agno."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from . import seed
from .seed import T0


async def test_session_detail_agent_with_chat_history(client: TestClient, agno_db: Any) -> None:
    seed.agent_session(agno_db, "s-a", name="Trip", state={"city": "Lisbon"}, metadata={"source": "web"},
                       summary={"summary": "Planning", "topics": ["travel"], "updated_at": "2025-10-21T14:30:00Z"})
    seed.agent_run(agno_db, "s-a", "r1", at=T0 + 10)
    seed.agent_run(agno_db, "s-a", "r-member", at=T0 + 20, agent_id="helper", parent_run_id="r1", text="hidden")
    response = await client.get("/sessions/s-a")
    assert response.status == 200
    body = await response.json()
    assert list(body) == ["user_id", "agent_session_id", "session_id", "session_name", "session_summary",
                          "session_state", "agent_id", "metrics", "metadata", "chat_history", "created_at",
                          "updated_at"]
    assert body["session_summary"] == {"summary": "Planning", "topics": ["travel"],
                                       "updated_at": "2025-10-21T14:30:00+00:00"}
    assert body["metrics"] == {}
    # system messages and member runs are not part of the chat history
    assert body["chat_history"] == [
        {"id": f"u-{T0 + 10}", "content": "Plan a trip", "from_history": False, "stop_after_tool_call": False,
         "role": "user", "created_at": T0 + 11},
        {"id": f"a-{T0 + 10}", "content": "Sure, here is a plan.", "from_history": False,
         "stop_after_tool_call": False, "role": "assistant", "created_at": T0 + 12},
    ]


async def test_session_detail_team(client: TestClient, agno_db: Any) -> None:
    seed.team_session(agno_db, "s-t", at=T0 + 60)
    seed.team_run_with_member(agno_db, "s-t", at=T0 + 70)
    body = await (await client.get("/sessions/s-t")).json()
    assert list(body) == ["session_id", "session_name", "user_id", "team_id", "chat_history", "created_at",
                          "updated_at"]
    assert body["session_name"] == "Research X"
    assert [message["content"] for message in body["chat_history"]] == ["Research X", "Summary"]


async def test_session_detail_workflow(client: TestClient, agno_db: Any) -> None:
    seed.workflow_session(agno_db, "s-w", at=T0 + 120)
    seed.workflow_run(agno_db, "s-w", at=T0 + 130)
    body = await (await client.get("/sessions/s-w")).json()
    assert body == {"user_id": "user-2", "workflow_id": "blog-wf", "session_id": "s-w",
                    "session_name": "write about X", "session_data": {}, "workflow_data": {}, "metadata": {},
                    "created_at": "2025-09-05T16:04:09Z", "updated_at": "2025-09-05T16:04:09Z"}


async def test_session_detail_type_renders_as_requested(client: TestClient, agno_db: Any) -> None:
    seed.agent_session(agno_db, "s-a", name="Trip")
    body = await (await client.get("/sessions/s-a?type=team")).json()
    assert "agent_session_id" not in body and body["session_name"] == "Trip"


async def test_session_detail_user_scoping_and_404_texts(client: TestClient, agno_db: Any) -> None:
    seed.agent_session(agno_db, "s-a", user_id="owner")
    assert (await client.get("/sessions/s-a?user_id=owner")).status == 200
    other = await client.get("/sessions/s-a?user_id=someone")
    assert other.status == 404
    assert await other.json() == {"detail": "Session with id 's-a' not found"}
    typed = await client.get("/sessions/nope?type=team")
    assert await typed.json() == {"detail": "Team Session with id 'nope' not found"}
