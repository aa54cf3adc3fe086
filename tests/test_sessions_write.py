"""Create, rename, PATCH and delete through HTTP, checked against the rows in PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from . import seed
from .conftest import run_sql


async def test_create_session_agent_and_row(client: TestClient, pg_dsn: str) -> None:
    response = await client.post("/sessions", json={
        "session_id": "s1", "session_name": "Trip", "session_state": {"city": "Lisbon"},
        "metadata": {"source": "web", "agno_dispatch_depth": 3}, "user_id": "u1", "agent_id": "planner",
        "team_id": "ignored"})
    assert response.status == 201
    body = await response.json()
    assert body["session_name"] == "Trip" and body["metrics"] == {} and body["chat_history"] == []
    assert body["metadata"] == {"source": "web"}
    assert body["created_at"] == body["updated_at"]
    row = run_sql(pg_dsn, "SELECT session_type, agent_id, team_id, user_id, session_data, agent_data IS NULL,"
                          " agent_data = 'null'::jsonb, team_data IS NULL FROM ai.agno_sessions")
    assert row == [("agent", "planner", None, "u1", {"session_name": "Trip", "session_state": {"city": "Lisbon"}},
                    False, True, True)]


async def test_create_session_without_body_generates_an_id(client: TestClient) -> None:
    response = await client.post("/sessions")
    body = await response.json()
    assert response.status == 201
    assert body["session_id"] == body["agent_session_id"] and len(body["session_id"]) == 36
    assert set(body) == {"agent_session_id", "session_id", "session_name", "chat_history", "created_at",
                         "updated_at"}


async def test_create_session_team_and_workflow_shapes(client: TestClient) -> None:
    team = await (await client.post("/sessions?type=team", json={"session_id": "t", "team_id": "tm"})).json()
    assert list(team) == ["session_id", "session_name", "team_id", "chat_history", "created_at", "updated_at"]
    wf = await (await client.post("/sessions?type=workflow", json={"session_id": "w", "workflow_id": "wf"})).json()
    assert list(wf) == ["workflow_id", "session_id", "session_name", "session_data", "workflow_data", "metadata",
                        "created_at", "updated_at"]
    assert wf["session_data"] == {} and wf["metadata"] == {}


async def test_create_session_conflict_is_409_and_keeps_the_row(client: TestClient, pg_dsn: str) -> None:
    assert (await client.post("/sessions", json={"session_id": "dup", "session_name": "first"})).status == 201
    again = await client.post("/sessions?type=team", json={"session_id": "dup", "session_name": "second"})
    assert again.status == 409
    assert await again.json() == {
        "detail": "Session with id 'dup' already exists. Use PATCH /sessions/dup to update it."}
    assert run_sql(pg_dsn, "SELECT session_data->>'session_name' FROM ai.agno_sessions") == [("first",)]


async def test_create_session_concurrent_same_id_one_wins(client: TestClient) -> None:
    responses = await asyncio.gather(*(client.post("/sessions", json={"session_id": "race"}) for _ in range(8)))
    assert sorted(response.status for response in responses) == [201] + [409] * 7


async def test_rename_session_keeps_updated_at(client: TestClient, agno_db: Any, pg_dsn: str) -> None:
    seed.agent_session(agno_db, "s1", name="old", state={"k": 1})
    response = await client.post("/sessions/s1/rename", json={"session_name": "new"})
    body = await response.json()
    assert response.status == 200 and body["session_name"] == "new"
    # rename answers with nulls present
    assert body["session_summary"] is None and body["total_tokens"] is None
    assert run_sql(pg_dsn, "SELECT created_at = updated_at, session_data FROM ai.agno_sessions") == [
        (True, {"session_name": "new", "session_state": {"k": 1}})]


async def test_rename_session_with_null_session_data_succeeds(client: TestClient) -> None:
    # AgentOS answers 500 (DataError) for this common case; we rename (docs/compatibility.md).
    await client.post("/sessions", json={"session_id": "bare"})
    response = await client.post("/sessions/bare/rename", json={"session_name": "named"})
    assert response.status == 200
    assert (await (await client.get("/sessions/bare")).json())["session_name"] == "named"


async def test_rename_session_type_filters_and_404(client: TestClient, agno_db: Any) -> None:
    seed.agent_session(agno_db, "s1", name="x")
    wrong_type = await client.post("/sessions/s1/rename?type=team", json={"session_name": "y"})
    assert wrong_type.status == 404
    assert await wrong_type.json() == {"detail": "Session with id 's1' not found"}
    assert (await client.post("/sessions/s1/rename?type=agent", json={"session_name": "y"})).status == 200


async def test_patch_session_merges_as_agno(client: TestClient, agno_db: Any, pg_dsn: str) -> None:
    seed.agent_session(agno_db, "s1", name="Trip", state={"city": "Lisbon"}, metadata={"source": "web"})
    response = await client.patch("/sessions/s1", json={
        "session_state": {"city": "Porto"}, "summary": {"summary": "S", "updated_at": "2025-10-21T14:30:00Z"}})
    body = await response.json()
    assert response.status == 200
    assert body["session_state"] == {"city": "Porto"} and body["session_name"] == "Trip"
    assert body["session_summary"] == {"summary": "S", "updated_at": "2025-10-21T14:30:00+00:00"}
    assert body["metadata"] == {"source": "web"} and body["agent_data"] is None
    assert run_sql(pg_dsn, "SELECT updated_at > created_at FROM ai.agno_sessions") == [(True,)]
    replaced = await (await client.patch("/sessions/s1", json={"metadata": {"new": True}})).json()
    assert replaced["metadata"] == {"new": True}


async def test_patch_session_404_and_bad_summary(client: TestClient, agno_db: Any) -> None:
    missing = await client.patch("/sessions/nope", json={})
    assert missing.status == 404 and await missing.json() == {"detail": "Session with id 'nope' not found"}
    seed.agent_session(agno_db, "s1")
    bad = await client.patch("/sessions/s1", json={"summary": {"summary": "x", "bogus": 1}})
    assert bad.status == 422


async def test_delete_session_removes_its_runs(client: TestClient, agno_db: Any, pg_dsn: str) -> None:
    seed.agent_session(agno_db, "s1")
    seed.agent_run(agno_db, "s1", "r1", at=seed.T0 + 1)
    seed.agent_session(agno_db, "s2")
    response = await client.delete("/sessions/s1")
    assert response.status == 204 and await response.read() == b""
    assert response.headers["Content-Type"] == "application/json"
    assert run_sql(pg_dsn, "SELECT session_id FROM ai.agno_sessions") == [("s2",)]
    assert run_sql(pg_dsn, "SELECT count(*) FROM ai.agno_runs") == [(0,)]
    assert (await client.delete("/sessions/unknown")).status == 204


async def test_delete_session_scoped_to_user(client: TestClient, agno_db: Any, pg_dsn: str) -> None:
    seed.agent_session(agno_db, "s1", user_id="owner")
    assert (await client.delete("/sessions/s1?user_id=intruder")).status == 204
    assert run_sql(pg_dsn, "SELECT count(*) FROM ai.agno_sessions") == [(1,)]


async def test_bulk_delete(client: TestClient, agno_db: Any, pg_dsn: str) -> None:
    for session_id in ("a", "b", "c"):
        seed.agent_session(agno_db, session_id)
    response = await client.delete("/sessions", json={"session_ids": ["a", "b", "zz"],
                                                      "session_types": ["agent", "team", "agent"]})
    assert response.status == 204
    assert run_sql(pg_dsn, "SELECT session_id FROM ai.agno_sessions") == [("c",)]
    mismatch = await client.delete("/sessions", json={"session_ids": ["c"], "session_types": ["agent", "team"]})
    assert mismatch.status == 400
    assert await mismatch.json() == {"detail": "Session IDs and session types must have the same length"}
    media = await client.delete("/sessions?delete_media=true", json={"session_ids": ["c"], "session_types": ["agent"]})
    assert media.status == 503
    assert run_sql(pg_dsn, "SELECT session_id FROM ai.agno_sessions") == [("c",)]


async def test_deletes_remove_runs_without_the_foreign_key(client: TestClient, agno_db: Any, pg_dsn: str) -> None:
    # Tables made by other writers may lack the cascading foreign key; the runs must go all the same.
    run_sql(pg_dsn, "ALTER TABLE ai.agno_runs DROP CONSTRAINT agno_runs_session_id_fkey")
    try:
        for session_id, user_id in (("s1", "u1"), ("s2", "u1"), ("s3", "u2")):
            seed.agent_session(agno_db, session_id, user_id=user_id)
            seed.agent_run(agno_db, session_id, f"r-{session_id}", at=seed.T0 + 1, user_id=user_id)
        # Runs filed under a session id that has no session row: a bulk delete of that id removes them.
        run_sql(pg_dsn, "INSERT INTO ai.agno_runs SELECT 'orphan', 'gone', run_type, agent_id, team_id, workflow_id,"
                        " user_id, parent_run_id, status, run_index, run_data, created_at, updated_at"
                        " FROM ai.agno_runs WHERE run_id = 'r-s2'")

        def runs() -> list[tuple[Any, ...]]:
            return run_sql(pg_dsn, "SELECT run_id FROM ai.agno_runs ORDER BY run_id")

        assert (await client.delete("/sessions/s3?user_id=u1")).status == 204
        assert runs() == [("orphan",), ("r-s1",), ("r-s2",), ("r-s3",)]
        assert (await client.delete("/sessions/s1")).status == 204
        assert runs() == [("orphan",), ("r-s2",), ("r-s3",)]
        bulk = {"session_ids": ["gone", "s3"], "session_types": ["agent", "agent"]}
        assert (await client.delete("/sessions?user_id=u1", json=bulk)).status == 204
        assert runs() == [("r-s2",), ("r-s3",)]
        assert run_sql(pg_dsn, "SELECT session_id FROM ai.agno_sessions ORDER BY 1") == [("s2",), ("s3",)]
    finally:
        run_sql(pg_dsn, "DELETE FROM ai.agno_runs WHERE session_id NOT IN (SELECT session_id FROM ai.agno_sessions)")
        run_sql(pg_dsn, "ALTER TABLE ai.agno_runs ADD CONSTRAINT agno_runs_session_id_fkey FOREIGN KEY (session_id)"
                        " REFERENCES ai.agno_sessions (session_id) ON DELETE CASCADE")


async def test_patch_session_with_another_type_keeps_the_stored_type(client: TestClient, agno_db: Any,
                                                                     pg_dsn: str) -> None:
    seed.agent_session(agno_db, "s1", name="Trip")
    seed.agent_run(agno_db, "s1", "r1", at=seed.T0 + 1)
    as_team = await (await client.patch("/sessions/s1?type=team", json={"session_name": "as team"})).json()
    # agno re-saves the row as a team session but answers with the stored (agent) schema
    assert as_team["agent_session_id"] == "s1" and as_team["session_name"] == "as team"
    assert len(as_team["chat_history"]) == 2
    as_workflow = await (await client.patch("/sessions/s1?type=workflow", json={})).json()
    assert as_workflow["chat_history"] == [] and as_workflow["metadata"] == {}
    assert run_sql(pg_dsn, "SELECT session_type, team_data, workflow_data FROM ai.agno_sessions") == [
        ("agent", None, {})]
    assert run_sql(pg_dsn, "SELECT team_data IS NULL FROM ai.agno_sessions") == [(False,)]


async def test_list_page_far_beyond_bigint_offset_is_empty(client: TestClient, agno_db: Any) -> None:
    seed.agent_session(agno_db, "s1")
    body = await (await client.get("/sessions?page=3&limit=9223372036854775807")).json()
    assert body["data"] == [] and body["meta"]["total_count"] == 1
