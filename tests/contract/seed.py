"""The data both servers are compared on, written through agno's own ``PostgresDb``.

Everything here goes through the real writer (``upsert_session`` / ``upsert_run``) so the rows look
exactly like rows a production AgentOS writes. A few edge cases the writer cannot produce (SQL NULL
``session_data``/``updated_at``, an epoch-0 ``created_at``, ``updated_at`` later than ``created_at``)
are applied afterwards with plain SQL, listed in ``FIXUP_SQL``.

Timestamps are fixed and distinct (no ties), so every list order is deterministic. ``T0`` is
2025-09-05T16:02:09Z; every session is created ``100 * i`` seconds after it, every run a few
seconds after its session.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

T0 = 1757088129

#: ids that exist in the seeded database, for steps that need them
AGENT_FULL = "ag-full"  # name, state, metrics, summary, metadata, agent_data, 4 runs incl. tools/history
AGENT_SDK = "ag-sdk"  # agent_data.sdk -> metadata.sdk merge; one own run, one foreign-agent run
AGENT_DERIVED = "ag-derived"  # no stored name: name from the first user message
AGENT_PRETTY = "ag-pretty"  # no stored name, run without user message -> pretty-printed JSON name
AGENT_JSONNULL = "ag-jsonnull"  # session_data/metadata/summary JSON null (as POST /sessions writes them)
AGENT_SQLNULL = "ag-sqlnull"  # session_data SQL NULL, updated_at SQL NULL
AGENT_UNICODE = "ag-unicode"  # non-ASCII name, user_id ''
AGENT_WILDCARD = "ag-wild"  # name with % and _
AGENT_EPOCH0 = "ag-epoch0"  # created_at 0
TEAM_FULL = "tm-full"  # team run + 2 member runs (parent_run_id), name from the team run's user message
TEAM_PRETTY = "tm-pretty"  # team run without messages, RUNNING
TEAM_NAMED = "tm-named"  # stored name + state, no runs
WF_FULL = "wf-full"  # workflow run with step_results / step_executor_runs + a stored step agent run
WF_OBJ = "wf-obj"  # dict input -> compact json name, dict content
WF_EMPTY = "wf-empty"  # no runs
WF_NOINPUT = "wf-noinput"  # run without input -> "New <name> Session"
FILLERS = [f"fill-{i:02d}" for i in range(1, 9)]

USER_1 = "user-1"
USER_2 = "user-2"


def _ts(i: int, extra: int = 0) -> int:
    return T0 + 100 * i + extra


def _msg(mid: str, role: str, content: Any, created_at: int, **kw: Any):
    from agno.models.message import Message

    return Message(id=mid, role=role, content=content, created_at=created_at, **kw)


def _metrics(inp: int, out: int, **kw: Any):
    from agno.metrics import RunMetrics

    return RunMetrics(input_tokens=inp, output_tokens=out, total_tokens=inp + out, **kw)


def _agent_run(
    run_id: str,
    session_id: str,
    created_at: int,
    *,
    agent_id: Optional[str] = "planner",
    user_id: Optional[str] = USER_1,
    input_content: Any = None,
    messages: Optional[list] = None,
    status: str = "COMPLETED",
    **kw: Any,
):
    from agno.run.agent import RunInput, RunOutput
    from agno.run.base import RunStatus

    return RunOutput(
        run_id=run_id,
        session_id=session_id,
        agent_id=agent_id,
        user_id=user_id,
        input=RunInput(input_content=input_content) if input_content is not None else None,
        messages=messages,
        status=RunStatus(status),
        created_at=created_at,
        **kw,
    )


def build_sessions_and_runs() -> List[Dict[str, Any]]:
    """Return ``[{"session": <Session>, "runs": [(run, run_index)]}, ...]`` in creation order."""
    from agno.media import Image
    from agno.models.message import MessageReferences
    from agno.models.response import ToolExecution
    from agno.reasoning.step import ReasoningStep
    from agno.run.base import CancellationStage, RunStatus
    from agno.run.team import TeamRunInput, TeamRunOutput
    from agno.run.workflow import WorkflowRunOutput
    from agno.session import AgentSession, TeamSession, WorkflowSession
    from agno.session.summary import SessionSummary
    from agno.workflow.types import StepOutput

    out: List[Dict[str, Any]] = []

    # 1. a fully populated agent session
    s = _ts(1)
    full_runs = [
        _agent_run(
            "run-af-1",
            AGENT_FULL,
            s + 10,
            input_content="Plan a trip to Lisbon",
            messages=[
                _msg("m-af-1", "system", "You are a planner.", s + 10),
                _msg("m-af-2", "user", "Plan a trip to Lisbon", s + 11),
                _msg(
                    "m-af-3",
                    "assistant",
                    None,
                    s + 12,
                    tool_calls=[
                        {
                            "id": "call-1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city": "Lisbon"}'},
                        }
                    ],
                ),
                _msg("m-af-4", "tool", "sunny", s + 13, tool_call_id="call-1", tool_name="get_weather"),
                _msg("m-af-5", "assistant", "Sure, here is a plan.", s + 14, reasoning_content="thinking"),
            ],
            content="Sure, here is a plan.",
            metrics=_metrics(40, 2, duration=1.5),
            tools=[
                ToolExecution(
                    tool_call_id="call-1",
                    tool_name="get_weather",
                    tool_args={"city": "Lisbon"},
                    result="sunny",
                    created_at=s + 13,
                )
            ],
            reasoning_content="thinking",
            reasoning_steps=[ReasoningStep(title="Look up weather", action="I will call the tool", confidence=0.9)],
            references=[MessageReferences(query="lisbon", references=[{"doc": "guide"}], time=0.25)],
            model="gpt-4o-mini",
            model_provider="OpenAI",
            metadata={"trace": "t-1"},
            session_state={"city": "Lisbon"},
            images=[Image(url="https://example.com/map.png", id="img-out-1")],
        ),
        _agent_run(
            "run-af-2",
            AGENT_FULL,
            s + 20,
            input_content="And Porto?",
            messages=[
                _msg("m-af-6", "user", "Plan a trip to Lisbon", s + 20, from_history=True),
                _msg("m-af-7", "user", "And Porto?", s + 21),
                _msg("m-af-8", "assistant", "Porto is lovely.", s + 22),
            ],
            content="Porto is lovely.",
            status="ERROR",
            metrics=_metrics(10, 5),
        ),
        _agent_run(
            "run-af-3",
            AGENT_FULL,
            s + 30,
            input_content="cancel me",
            status="CANCELLED",
            cancellation_stage=CancellationStage("EXECUTING"),
            content="Run cancelled",
        ),
        _agent_run(
            "run-af-4",
            AGENT_FULL,
            s + 40,
            input_content={"question": "structured", "n": 2},
            messages=[_msg("m-af-9", "assistant", "structured answer", s + 41)],
            content={"answer": "structured", "score": 1},
            content_type="Answer",
            status="PAUSED",
        ),
    ]
    out.append(
        {
            "session": AgentSession(
                session_id=AGENT_FULL,
                agent_id="planner",
                user_id=USER_1,
                session_data={
                    "session_name": "Trip planning",
                    "session_state": {"city": "Lisbon", "nested": {"b": 1, "a": [1, 2]}},
                    "session_metrics": {"input_tokens": 50, "output_tokens": 7, "total_tokens": 57},
                },
                metadata={"source": "web", "tags": ["x", "y"]},
                agent_data={"name": "Planner", "agent_id": "planner", "model": {"id": "gpt-4o-mini"}},
                summary=SessionSummary(
                    summary="Planning a trip",
                    topics=["travel", "lisbon"],
                    updated_at=datetime(2025, 9, 5, 17, 0, 0, tzinfo=timezone.utc),
                ),
                created_at=s,
                updated_at=s,
            ),
            "runs": [(r, i) for i, r in enumerate(full_runs)],
        }
    )

    # 2. agent_data.sdk -> metadata merge
    s = _ts(2)
    out.append(
        {
            "session": AgentSession(
                session_id=AGENT_SDK,
                agent_id="claude-agent",
                user_id=USER_2,
                session_data={"session_name": "SDK session", "session_state": {}},
                metadata={"k": "v"},
                agent_data={"sdk": "claude", "framework": "other"},
                created_at=s,
                updated_at=s,
            ),
            "runs": [
                (
                    _agent_run(
                        "run-sdk-1",
                        AGENT_SDK,
                        s + 5,
                        agent_id="claude-agent",
                        user_id=USER_2,
                        input_content="hello sdk",
                        messages=[_msg("m-sdk-1", "user", "hello sdk", s + 5)],
                        content="hi",
                        metadata={"run_meta": 1},
                    ),
                    0,
                ),
                (
                    _agent_run(
                        "run-sdk-2",
                        AGENT_SDK,
                        s + 6,
                        agent_id="helper-agent",
                        user_id=USER_2,
                        input_content="helper",
                        content="helped",
                    ),
                    1,
                ),
            ],
        }
    )

    # 3. name derived from the first user message
    s = _ts(3)
    out.append(
        {
            "session": AgentSession(
                session_id=AGENT_DERIVED,
                agent_id="planner",
                user_id=USER_2,
                session_data={"session_state": {"step": 1}},
                created_at=s,
                updated_at=s,
            ),
            "runs": [
                (
                    _agent_run(
                        "run-dv-1",
                        AGENT_DERIVED,
                        s + 5,
                        user_id=USER_2,
                        input_content="What is the weather?",
                        messages=[
                            _msg("m-dv-1", "system", "sys", s + 5),
                            _msg("m-dv-2", "user", "What is the weather?", s + 6),
                            _msg("m-dv-3", "assistant", "Sunny.", s + 7),
                        ],
                        content="Sunny.",
                    ),
                    0,
                )
            ],
        }
    )

    # 4. name derived from a run without a user message -> pretty JSON of the input
    s = _ts(4)
    out.append(
        {
            "session": AgentSession(
                session_id=AGENT_PRETTY,
                agent_id="planner",
                user_id=USER_1,
                created_at=s,
                updated_at=s,
            ),
            "runs": [
                (
                    _agent_run(
                        "run-pr-1",
                        AGENT_PRETTY,
                        s + 5,
                        input_content="plain input é",
                        content="ok",
                        status="PENDING",
                    ),
                    0,
                )
            ],
        }
    )

    # 5. JSON-null columns, as POST /sessions writes them; no runs
    s = _ts(5)
    out.append(
        {
            "session": AgentSession(session_id=AGENT_JSONNULL, created_at=s, updated_at=s),
            "runs": [],
        }
    )

    # 6. SQL NULL session_data / updated_at (FIXUP_SQL); one run for name derivation
    s = _ts(6)
    out.append(
        {
            "session": AgentSession(
                session_id=AGENT_SQLNULL,
                agent_id="planner",
                user_id=USER_1,
                session_data={"session_name": "will be nulled"},
                created_at=s,
                updated_at=s,
            ),
            "runs": [
                (
                    _agent_run(
                        "run-sn-1",
                        AGENT_SQLNULL,
                        s + 5,
                        input_content="from sql null",
                        messages=[_msg("m-sn-1", "user", "from sql null", s + 5)],
                        content="fine",
                    ),
                    0,
                )
            ],
        }
    )

    # 7. non-ASCII name, empty-string user_id
    s = _ts(7)
    out.append(
        {
            "session": AgentSession(
                session_id=AGENT_UNICODE,
                agent_id="planner",
                user_id="",
                session_data={"session_name": "Café résumé ✓ Ünïcode"},
                metadata={"lang": "pt-PT", "emoji": "🙂"},
                created_at=s,
                updated_at=s,
            ),
            "runs": [],
        }
    )

    # 8. LIKE wildcards in the stored name
    s = _ts(8)
    out.append(
        {
            "session": AgentSession(
                session_id=AGENT_WILDCARD,
                agent_id="other-agent",
                user_id=USER_2,
                session_data={"session_name": "100% done_ok"},
                created_at=s,
                updated_at=s,
            ),
            "runs": [],
        }
    )

    # 9. created_at 0 (FIXUP_SQL)
    s = _ts(9)
    out.append(
        {
            "session": AgentSession(
                session_id=AGENT_EPOCH0,
                agent_id="planner",
                user_id=USER_1,
                session_data={"session_name": "Epoch zero"},
                created_at=s,
                updated_at=s,
            ),
            "runs": [],
        }
    )

    # 10. team with team run + member runs
    s = _ts(10)
    team_run = TeamRunOutput(
        run_id="run-tf-1",
        session_id=TEAM_FULL,
        team_id="research-team",
        team_name="Research Team",
        user_id=USER_1,
        input=TeamRunInput(input_content="Research quantum computing"),
        messages=[
            _msg("m-tf-1", "system", "You lead a team.", s + 10),
            _msg("m-tf-2", "user", "Research quantum computing", s + 11),
            _msg("m-tf-3", "assistant", "Summary of findings", s + 19),
        ],
        content="Summary of findings",
        metrics=_metrics(100, 20),
        status=RunStatus.completed,
        created_at=s + 10,
    )
    member_1 = _agent_run(
        "run-tf-m1",
        TEAM_FULL,
        s + 12,
        agent_id="searcher",
        input_content="search quantum",
        messages=[_msg("m-tf-4", "user", "search quantum", s + 12), _msg("m-tf-5", "assistant", "raw notes", s + 13)],
        content="raw notes",
        parent_run_id="run-tf-1",
    )
    member_2 = _agent_run(
        "run-tf-m2",
        TEAM_FULL,
        s + 14,
        agent_id="writer",
        input_content="write it up",
        content="written",
        parent_run_id="run-tf-1",
        status="ERROR",
    )
    out.append(
        {
            "session": TeamSession(
                session_id=TEAM_FULL,
                team_id="research-team",
                user_id=USER_1,
                session_data={"session_metrics": {"input_tokens": 100, "output_tokens": 20, "total_tokens": 120}},
                team_data={"name": "Research Team"},
                metadata={"team_meta": True},
                created_at=s,
                updated_at=s,
            ),
            "runs": [(team_run, 0), (member_1, 1), (member_2, 2)],
        }
    )

    # 11. team run without messages (pretty-JSON name), RUNNING
    s = _ts(11)
    out.append(
        {
            "session": TeamSession(
                session_id=TEAM_PRETTY,
                team_id="research-team",
                user_id=USER_2,
                created_at=s,
                updated_at=s,
            ),
            "runs": [
                (
                    TeamRunOutput(
                        run_id="run-tp-1",
                        session_id=TEAM_PRETTY,
                        team_id="research-team",
                        user_id=USER_2,
                        input=TeamRunInput(input_content="Research X"),
                        status=RunStatus.running,
                        created_at=s + 5,
                    ),
                    0,
                )
            ],
        }
    )

    # 12. team with a stored name and state, no runs
    s = _ts(12)
    out.append(
        {
            "session": TeamSession(
                session_id=TEAM_NAMED,
                team_id="support-team",
                user_id=USER_1,
                session_data={"session_name": "Support chat", "session_state": {"ticket": 42}},
                created_at=s,
                updated_at=s,
            ),
            "runs": [],
        }
    )

    # 13. workflow with steps
    s = _ts(13)
    step_agent_run = _agent_run(
        "run-wf-step-1",
        WF_FULL,
        s + 11,
        agent_id="writer",
        user_id=None,
        input_content="write about X",
        messages=[_msg("m-wf-1", "user", "write about X", s + 11), _msg("m-wf-2", "assistant", "draft", s + 12)],
        content="draft",
        parent_run_id="run-wf-1",
        workflow_id="blog-wf",
    )
    wf_run = WorkflowRunOutput(
        run_id="run-wf-1",
        session_id=WF_FULL,
        workflow_id="blog-wf",
        workflow_name="Blog Workflow",
        input="write about X",
        content="draft",
        step_results=[
            StepOutput(
                step_name="write",
                step_id="step-1",
                step_type="Step",
                executor_type="agent",
                executor_name="writer",
                content="draft",
                step_run_id="run-wf-step-1",
            )
        ],
        step_executor_runs=[step_agent_run],
        status=RunStatus.completed,
        created_at=s + 10,
    )
    out.append(
        {
            "session": WorkflowSession(
                session_id=WF_FULL,
                workflow_id="blog-wf",
                user_id=USER_1,
                workflow_name="Blog Workflow",
                session_data={"session_state": {"drafts": 1}},
                workflow_data={"name": "Blog Workflow", "steps": ["write"]},
                created_at=s,
                updated_at=s,
            ),
            "runs": [(wf_run, 0), (step_agent_run, 1)],
        }
    )

    # 14. workflow with object input and dict content
    s = _ts(14)
    out.append(
        {
            "session": WorkflowSession(
                session_id=WF_OBJ,
                workflow_id="report-wf",
                user_id=USER_2,
                workflow_data={"name": "Report"},
                metadata={"wf": "meta"},
                created_at=s,
                updated_at=s,
            ),
            "runs": [
                (
                    WorkflowRunOutput(
                        run_id="run-wo-1",
                        session_id=WF_OBJ,
                        workflow_id="report-wf",
                        input={"topic": "x", "ünï": "é"},
                        content={"report": "done", "pages": 3},
                        content_type="Report",
                        status=RunStatus.error,
                        created_at=s + 5,
                    ),
                    0,
                )
            ],
        }
    )

    # 15. workflow without runs
    s = _ts(15)
    out.append(
        {
            "session": WorkflowSession(
                session_id=WF_EMPTY,
                workflow_id="blog-wf",
                user_id=USER_1,
                workflow_data={"name": "Blog"},
                created_at=s,
                updated_at=s,
            ),
            "runs": [],
        }
    )

    # 16. workflow run without input
    s = _ts(16)
    out.append(
        {
            "session": WorkflowSession(
                session_id=WF_NOINPUT,
                workflow_id="blog-wf",
                user_id=USER_2,
                workflow_data={"name": "Blog"},
                created_at=s,
                updated_at=s,
            ),
            "runs": [
                (
                    WorkflowRunOutput(
                        run_id="run-wn-1",
                        session_id=WF_NOINPUT,
                        workflow_id="blog-wf",
                        content="no input",
                        status=RunStatus.completed,
                        created_at=s + 5,
                    ),
                    0,
                )
            ],
        }
    )

    # 17-24. fillers for pagination/filters
    for i, sid in enumerate(FILLERS):
        s = _ts(17 + i)
        kind = ("agent", "team", "workflow")[i % 3]
        user = (USER_1, USER_2, "user-3")[i % 3]
        data = {"session_name": f"Filler {i + 1:02d}"}
        if kind == "agent":
            sess: Any = AgentSession(
                session_id=sid, agent_id="filler-agent", user_id=user, session_data=data, created_at=s, updated_at=s
            )
        elif kind == "team":
            sess = TeamSession(
                session_id=sid, team_id="filler-team", user_id=user, session_data=data, created_at=s, updated_at=s
            )
        else:
            sess = WorkflowSession(
                session_id=sid, workflow_id="filler-wf", user_id=user, session_data=data, created_at=s, updated_at=s
            )
        out.append({"session": sess, "runs": []})
    return out


#: SQL applied after the agno writer, for states it cannot produce itself
FIXUP_SQL = [
    f"UPDATE ai.agno_sessions SET session_data = NULL, updated_at = NULL WHERE session_id = '{AGENT_SQLNULL}'",
    f"UPDATE ai.agno_sessions SET created_at = 0, updated_at = 0 WHERE session_id = '{AGENT_EPOCH0}'",
    # updated_at later than created_at, in an order different from created_at (for sort_by=updated_at)
    f"UPDATE ai.agno_sessions SET updated_at = {T0 + 5000} WHERE session_id = '{AGENT_FULL}'",
    f"UPDATE ai.agno_sessions SET updated_at = {T0 + 4000} WHERE session_id = '{TEAM_FULL}'",
    f"UPDATE ai.agno_sessions SET updated_at = {T0 + 3000} WHERE session_id = '{WF_FULL}'",
]


def seed(sqlalchemy_url: str) -> None:
    """Write the seed data into a database whose agno tables AgentOS has already created."""
    from agno.db.postgres import PostgresDb
    from sqlalchemy import text

    db = PostgresDb(db_url=sqlalchemy_url, id="contract-seed")
    try:
        for entry in build_sessions_and_runs():
            session = entry["session"]
            db.upsert_session(session)
            for run, index in entry["runs"]:
                db.upsert_run(run, session_id=session.session_id, user_id=session.user_id, run_index=index)
        with db.db_engine.begin() as conn:
            for stmt in FIXUP_SQL:
                conn.execute(text(stmt))
    finally:
        db.db_engine.dispose()
