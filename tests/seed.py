"""Sessions and runs written through agno's own PostgresDb, shaped like real agent, team and workflow runs."""

from __future__ import annotations

from typing import Any

from agno.models.message import Message
from agno.run.agent import RunInput, RunOutput
from agno.run.base import RunStatus
from agno.run.team import TeamRunInput, TeamRunOutput
from agno.run.workflow import WorkflowRunOutput
from agno.session import AgentSession, TeamSession, WorkflowSession

T0 = 1_757_088_129  # 2025-09-05T16:02:09Z


def messages(user_text: str, answer: str, at: int, *, system: bool = True) -> list[Message]:
    """A system prompt (optional), the user's message and the assistant's answer."""
    out = []
    if system:
        out.append(Message(id=f"sys-{at}", role="system", content="You are helpful.", created_at=at))
    out.append(Message(id=f"u-{at}", role="user", content=user_text, created_at=at + 1))
    out.append(Message(id=f"a-{at}", role="assistant", content=answer, created_at=at + 2))
    return out


def agent_session(
    db: Any,
    session_id: str,
    *,
    at: int = T0,
    agent_id: str = "planner",
    user_id: str | None = "user-1",
    name: str | None = None,
    state: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    agent_data: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    summary: dict[str, Any] | None = None,
) -> None:
    """Write an agent session row as an Agent would."""
    from agno.session.summary import SessionSummary

    session_data: dict[str, Any] = {}
    if name is not None:
        session_data["session_name"] = name
    if state is not None:
        session_data["session_state"] = state
    if metrics is not None:
        session_data["session_metrics"] = metrics
    db.upsert_session(
        AgentSession(
            session_id=session_id,
            agent_id=agent_id,
            user_id=user_id,
            session_data=session_data or None,
            agent_data=agent_data,
            metadata=metadata,
            summary=SessionSummary.from_dict(dict(summary)) if summary else None,
            created_at=at,
            updated_at=at,
        )
    )


def agent_run(
    db: Any,
    session_id: str,
    run_id: str,
    *,
    at: int,
    text: str = "Plan a trip",
    answer: str = "Sure, here is a plan.",
    agent_id: str = "planner",
    user_id: str | None = "user-1",
    status: RunStatus = RunStatus.completed,
    parent_run_id: str | None = None,
    run_index: int | None = None,
    with_messages: bool = True,
) -> None:
    """Write one agent run with its messages, as Agent.run stores it."""
    run = RunOutput(
        run_id=run_id,
        agent_id=agent_id,
        agent_name=agent_id.title(),
        session_id=session_id,
        user_id=user_id,
        parent_run_id=parent_run_id,
        content=answer,
        input=RunInput(input_content=text),
        messages=messages(text, answer, at) if with_messages else None,
        status=status,
        created_at=at,
        metrics=None,
    )
    db.upsert_run(run, session_id=session_id, user_id=user_id, run_index=run_index)


def team_session(db: Any, session_id: str, *, at: int = T0, team_id: str = "research-team", user_id: str = "user-1",
                 name: str | None = None) -> None:
    """Write a team session row."""
    db.upsert_session(
        TeamSession(
            session_id=session_id,
            team_id=team_id,
            user_id=user_id,
            session_data={"session_name": name} if name is not None else None,
            created_at=at,
            updated_at=at,
        )
    )


def team_run_with_member(db: Any, session_id: str, *, at: int, team_id: str = "research-team",
                         user_id: str = "user-1", text: str = "Research X") -> None:
    """A team run and its member agent's run (stored as a separate row with parent_run_id)."""
    team_run = TeamRunOutput(
        run_id=f"team-{at}",
        team_id=team_id,
        team_name="Research Team",
        session_id=session_id,
        user_id=user_id,
        content="Summary",
        input=TeamRunInput(input_content=text),
        messages=messages(text, "Summary", at),
        status=RunStatus.completed,
        created_at=at,
    )
    member = RunOutput(
        run_id=f"member-{at}",
        agent_id="searcher",
        agent_name="Searcher",
        session_id=session_id,
        user_id=user_id,
        parent_run_id=team_run.run_id,
        content="raw notes",
        input=RunInput(input_content=f"search {text}"),
        messages=messages(f"search {text}", "raw notes", at + 1, system=False),
        status=RunStatus.completed,
        created_at=at + 1,
    )
    db.upsert_run(team_run, session_id=session_id, user_id=user_id)
    db.upsert_run(member, session_id=session_id, user_id=user_id)


def workflow_session(db: Any, session_id: str, *, at: int = T0, workflow_id: str = "blog-wf",
                     user_id: str = "user-2", workflow_data: dict[str, Any] | None = None) -> None:
    """Write a workflow session row."""
    db.upsert_session(
        WorkflowSession(
            session_id=session_id,
            workflow_id=workflow_id,
            user_id=user_id,
            workflow_data=workflow_data,
            created_at=at,
            updated_at=at,
        )
    )


def workflow_run(db: Any, session_id: str, *, at: int, workflow_id: str = "blog-wf", user_id: str = "user-2",
                 topic: Any = "write about X") -> None:
    """A workflow run with one step result."""
    from agno.workflow.types import StepOutput

    run = WorkflowRunOutput(
        run_id=f"wf-{at}",
        workflow_id=workflow_id,
        workflow_name="Blog",
        session_id=session_id,
        user_id=user_id,
        input=topic,
        content="draft",
        status=RunStatus.completed,
        step_results=[StepOutput(step_name="research", content="notes")],
        created_at=at,
    )
    db.upsert_run(run, session_id=session_id, user_id=user_id)
