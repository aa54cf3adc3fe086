"""Seed a database through agno 2.x's own PostgresDb (run by that release's interpreter, never imported).

    <venv with agno 2.x>/bin/python tests/contract/agno2_writer.py <sqlalchemy url>

agno 2.x keeps each session's runs in the JSONB `runs` column of agno_sessions and has no agno_runs
table. The sessions below (ids in LEGACY_IDS of test_legacy_db.py) cover the three types, named and
unnamed, with user messages, a team run with member runs, a workflow run, and runs of every status.
Times are fixed, so two databases seeded by this script hold the same rows.
"""

from __future__ import annotations

import sys

T0 = 1_757_000_000


def main(url: str) -> None:
    from agno.db.postgres import PostgresDb
    from agno.models.message import Message
    from agno.run.agent import RunInput, RunOutput
    from agno.run.base import RunStatus
    from agno.run.team import TeamRunInput, TeamRunOutput
    from agno.run.workflow import WorkflowRunOutput
    from agno.session import AgentSession, TeamSession, WorkflowSession

    db = PostgresDb(db_url=url)

    def messages(text: str, answer: str, at: int) -> list:
        return [Message(id=f"u-{at}", role="user", content=text, created_at=at),
                Message(id=f"a-{at}", role="assistant", content=answer, created_at=at + 1)]

    def agent_run(run_id: str, session_id: str, at: int, text: str, status: RunStatus = RunStatus.completed,
                  user_id: str = "user-1", agent_id: str = "planner", parent: str | None = None) -> RunOutput:
        return RunOutput(run_id=run_id, session_id=session_id, agent_id=agent_id, user_id=user_id,
                         parent_run_id=parent, input=RunInput(input_content=text), content=f"answer to {text}",
                         messages=messages(text, f"answer to {text}", at), status=status, created_at=at)

    db.upsert_session(AgentSession(
        session_id="v2-agent-named", agent_id="planner", user_id="user-1",
        session_data={"session_name": "Named in 2.x", "session_state": {"step": 2}},
        agent_data={"name": "Planner", "agent_id": "planner"}, metadata={"source": "v2"},
        runs=[agent_run("v2-an-1", "v2-agent-named", T0 + 10, "first question"),
              agent_run("v2-an-2", "v2-agent-named", T0 + 20, "second question", RunStatus.error)],
        created_at=T0, updated_at=T0 + 20))
    db.upsert_session(AgentSession(
        session_id="v2-agent-unnamed", agent_id="planner", user_id="user-2",
        runs=[agent_run("v2-au-1", "v2-agent-unnamed", T0 + 30, "Where is Lisbon?", user_id="user-2"),
              agent_run("v2-au-2", "v2-agent-unnamed", T0 + 40, "And Porto?", RunStatus.paused, user_id="user-2")],
        created_at=T0 + 1, updated_at=T0 + 40))
    db.upsert_session(AgentSession(session_id="v2-agent-empty", agent_id="planner", user_id="user-1",
                                   created_at=T0 + 2, updated_at=T0 + 2))
    member = agent_run("v2-tm-m1", "v2-team", T0 + 51, "member task", agent_id="researcher", parent="v2-tm-1")
    db.upsert_session(TeamSession(
        session_id="v2-team", team_id="research-team", user_id="user-1",
        team_data={"name": "Research team", "team_id": "research-team"},
        runs=[TeamRunOutput(run_id="v2-tm-1", session_id="v2-team", team_id="research-team", user_id="user-1",
                            input=TeamRunInput(input_content="Research X"), content="X is done",
                            messages=messages("Research X", "X is done", T0 + 50), member_responses=[member],
                            status=RunStatus.completed, created_at=T0 + 50),
              member],
        created_at=T0 + 3, updated_at=T0 + 52))
    db.upsert_session(WorkflowSession(
        session_id="v2-workflow", workflow_id="blog-wf", user_id="user-2", workflow_data={"name": "Blog"},
        session_data={"session_state": {"drafts": 1}},
        runs=[WorkflowRunOutput(run_id="v2-wf-1", session_id="v2-workflow", workflow_id="blog-wf", user_id="user-2",
                                input="write about X", content="a post about X", status=RunStatus.completed,
                                created_at=T0 + 60)],
        created_at=T0 + 4, updated_at=T0 + 60))


if __name__ == "__main__":
    main(sys.argv[1])
