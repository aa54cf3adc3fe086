"""Seeding: templates through agno, multiplied in SQL."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from typing import Any

from devkit.postgres import sqlalchemy_url

from .errors import BenchError
from .settings import MAX_TEMPLATES, RUNS_TABLE, SESSION_PREFIX, SESSIONS_PER_USER, SESSIONS_TABLE, T0, TEMPLATE_PREFIX

AGENTS = ("planner", "researcher", "support-bot", "coder")
CONVERSATIONS = (
    ("Plan a three-day trip to Lisbon in October", "Day 1: Alfama and the castle. Day 2: Belém and LX Factory. "
     "Day 3: a day trip to Sintra. Book the Pena Palace tickets ahead; October evenings are mild."),
    ("Summarise the attached quarterly report", "Revenue grew 12% quarter on quarter, driven by the enterprise "
     "tier; churn fell to 2.1%. Hiring slowed; the outlook for Q4 is unchanged."),
    ("Why does my Python script leak memory?", "The cache dict grows without bound: every request adds a key and "
     "nothing evicts. Use functools.lru_cache(maxsize=1024) or a TTL cache instead."),
    ("Draft a polite reply declining the meeting", "Thank you for the invitation. Unfortunately I cannot join on "
     "Thursday; could we find a slot next week? I am happy to review the agenda beforehand."),
    ("Compare PostgreSQL and MySQL for a SaaS app", "Both work. PostgreSQL has richer types (JSONB, arrays), "
     "stricter SQL and better extensions; MySQL is simpler to operate at small scale."),
    ("What is the refund policy for annual plans?", "Annual plans can be refunded pro rata within 30 days of "
     "renewal. After that, the plan runs to the end of the term and is not renewed."),
)  # fmt: skip
SYSTEM_PROMPT = "You are a helpful assistant. Answer concisely and cite sources when you use them."


def _template_kind(k: int) -> str:
    # 80 % agent, 10 % team, 10 % workflow sessions, as a mixed AgentOS deployment would have.
    return "agent" if k % 10 < 8 else ("team" if k % 10 == 8 else "workflow")


def build_templates(count: int, runs: int) -> tuple[list[Any], list[tuple[Any, str, int]]]:
    """`count` agno sessions and `runs` agno runs each: (sessions, [(run, session_id, run_index)])."""
    from agno.metrics import MessageMetrics, ModelMetrics, RunMetrics, SessionMetrics
    from agno.models.message import Message
    from agno.run.agent import RunInput, RunOutput
    from agno.run.base import RunStatus
    from agno.run.team import TeamRunInput, TeamRunOutput
    from agno.run.workflow import WorkflowRunOutput
    from agno.session import AgentSession, TeamSession, WorkflowSession
    from agno.session.summary import SessionSummary
    from agno.workflow.types import StepOutput

    sessions: list[Any] = []
    run_rows: list[tuple[Any, str, int]] = []
    for k in range(count):
        kind = _template_kind(k)
        session_id = f"{TEMPLATE_PREFIX}{k:03d}"
        agent = AGENTS[k % len(AGENTS)]
        first_question = CONVERSATIONS[k % len(CONVERSATIONS)][0]
        tokens: dict[str, Any] = {"input_tokens": 420 * max(runs, 1), "output_tokens": 180 * max(runs, 1)}
        tokens["total_tokens"] = tokens["input_tokens"] + tokens["output_tokens"]
        session_data: dict[str, Any] = {
            "session_state": {"step": k % 5, "preferences": {"language": "en", "units": "metric"}},
            "session_metrics": SessionMetrics(
                **tokens, details={"model": [ModelMetrics(id="gpt-4o", provider="OpenAI", **tokens)]}
            ).to_dict(),
        }
        if k % 2 == 0:
            # Half the sessions carry a stored name; the others get theirs from the first user message.
            session_data["session_name"] = first_question[:40]
        summary = None
        if k % 3 == 0:
            summary = SessionSummary(summary="The user asked for help; the assistant answered.",
                                     topics=["help", agent], updated_at=datetime.datetime(2025, 9, 5, 16, 30))
        common: dict[str, Any] = dict(session_id=session_id, user_id="user-0000", session_data=session_data,
                      metadata={"channel": "web", "locale": "en-US"}, summary=summary, created_at=T0, updated_at=T0)
        if kind == "agent":
            sessions.append(AgentSession(agent_id=agent, agent_data={
                "name": agent.title(), "agent_id": agent,
                "model": {"id": "gpt-4o", "name": "OpenAIChat", "provider": "OpenAI"}}, **common))
        elif kind == "team":
            sessions.append(TeamSession(team_id="research-team", team_data={
                "name": "Research Team", "team_id": "research-team",
                "model": {"id": "gpt-4o", "name": "OpenAIChat", "provider": "OpenAI"}}, **common))
        else:
            common.pop("summary")  # workflow sessions have no summary
            sessions.append(WorkflowSession(workflow_id="blog-wf", workflow_data={"name": "Blog"}, **common))

        for index in range(runs):
            question, answer = CONVERSATIONS[(k + index) % len(CONVERSATIONS)]
            at = T0 + 5 * (index + 1)
            run_id = f"{session_id}-run-{index}"
            metrics = RunMetrics(input_tokens=420, output_tokens=180, total_tokens=600, duration=1.84,
                                 time_to_first_token=0.41, details={"model": [ModelMetrics(
                                     id="gpt-4o", provider="OpenAI", input_tokens=420, output_tokens=180,
                                     total_tokens=600)]})
            messages = [
                Message(id=f"{run_id}-m0", role="system", content=SYSTEM_PROMPT, created_at=at),
                Message(id=f"{run_id}-m1", role="user", content=question, created_at=at),
                Message(id=f"{run_id}-m2", role="assistant", content=answer, created_at=at + 2,
                        metrics=MessageMetrics(input_tokens=420, output_tokens=180, total_tokens=600,
                                               duration=1.84, time_to_first_token=0.41)),
            ]
            if kind == "agent":
                run: Any = RunOutput(run_id=run_id, agent_id=agent, agent_name=agent.title(), session_id=session_id,
                                     user_id="user-0000", content=answer, input=RunInput(input_content=question),
                                     messages=messages, model="gpt-4o", model_provider="OpenAI", metrics=metrics,
                                     status=RunStatus.completed, created_at=at)
            elif kind == "team":
                run = TeamRunOutput(run_id=run_id, team_id="research-team", team_name="Research Team",
                                    session_id=session_id, user_id="user-0000", content=answer,
                                    input=TeamRunInput(input_content=question), messages=messages, model="gpt-4o",
                                    model_provider="OpenAI", metrics=metrics, status=RunStatus.completed,
                                    created_at=at)
            else:
                run = WorkflowRunOutput(run_id=run_id, workflow_id="blog-wf", workflow_name="Blog",
                                        session_id=session_id, user_id="user-0000", input=question, content=answer,
                                        status=RunStatus.completed, created_at=at,
                                        step_results=[StepOutput(step_name="research", content=answer[:60]),
                                                      StepOutput(step_name="write", content=answer)])
            run_rows.append((run, session_id, index))
    return sessions, run_rows


def _columns(conn: Any, table: str) -> list[str]:
    schema, name = table.split(".")
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s"
        " ORDER BY ordinal_position", (schema, name)).fetchall()
    return [row[0] for row in rows]


def multiply(conn: Any, *, prefix: str, count: int, templates: int, users: int, t0: int) -> None:
    """Copy the template sessions/runs `count` times: new ids, owners, names and timestamps, agno's JSON.

    Session g (0 <= g < count) is `<prefix><g:07d>`, a copy of template g % templates, owned by
    user-<(g / 7) % users>, created at t0 + 30 g; its runs follow 5 s apart and updated_at lands on a jittered
    time after the last run, so created_at and updated_at orders differ. Columns are read from the catalog,
    so whatever else agno's tables hold is copied as is.
    """
    session_expr = {
        "session_id": "s.sid",
        "user_id": "s.uid",
        "created_at": "s.base",
        "updated_at": "s.base + %(run_span)s + (s.g * 7919) %% 3600",
        # Stored names get a number, so names differ between copies.
        "session_data": "CASE WHEN t.session_data ? 'session_name' THEN jsonb_set(t.session_data, "
                        "'{session_name}', to_jsonb((t.session_data ->> 'session_name') || ' #' || s.g))"
                        " ELSE t.session_data END",
    }  # fmt: skip
    run_expr = {
        "run_id": "s.sid || '-run-' || r.run_index",
        "session_id": "s.sid",
        "user_id": "s.uid",
        "created_at": "s.base + 5 * (r.run_index + 1)",
        "updated_at": "s.base + 5 * (r.run_index + 1)",
        "run_data": "r.run_data || jsonb_build_object('run_id', s.sid || '-run-' || r.run_index, 'session_id', s.sid,"
                    " 'user_id', s.uid, 'created_at', s.base + 5 * (r.run_index + 1))",
    }  # fmt: skip
    # One row per new session: its number, id, owner, creation time and template id.
    sessions_cte = (
        "WITH s AS (SELECT g, %(prefix)s || lpad(g::text, 7, '0') AS sid,"
        " 'user-' || lpad((g / 7 %% %(users)s)::text, 4, '0') AS uid, %(t0)s + 30 * g AS base,"
        " %(tmpl)s || lpad((g %% %(templates)s)::text, 3, '0') AS tid"
        " FROM generate_series(0, %(count)s - 1) AS g) "
    )
    params = {"prefix": prefix, "users": users, "t0": t0, "tmpl": TEMPLATE_PREFIX, "templates": templates,
              "count": count, "run_span": 5 * 60}  # fmt: skip
    session_cols = _columns(conn, SESSIONS_TABLE)
    run_cols = _columns(conn, RUNS_TABLE)
    conn.execute(
        sessions_cte + f"INSERT INTO {SESSIONS_TABLE} ({', '.join(session_cols)}) SELECT "
        + ", ".join(session_expr.get(c, f"t.{c}") for c in session_cols)
        + f" FROM s JOIN {SESSIONS_TABLE} t ON t.session_id = s.tid",
        params,
    )
    conn.execute(
        sessions_cte + f"INSERT INTO {RUNS_TABLE} ({', '.join(run_cols)}) SELECT "
        + ", ".join(run_expr.get(c, f"r.{c}") for c in run_cols)
        + f" FROM s JOIN {RUNS_TABLE} r ON r.session_id = s.tid",
        params,
    )


@dataclass
class Dataset:
    """What was seeded, for the requests and the report."""

    sessions: int
    runs_per_session: int
    templates: int
    users: int
    seconds: float
    db_size_mb: float = 0.0
    method: str = ""


def user_count(sessions: int) -> int:
    """Owners of the data set: user-0000 .. user-<n-1>, about SESSIONS_PER_USER sessions each."""
    return max(1, sessions // SESSIONS_PER_USER)


def filter_user(sessions: int) -> str:
    """The owner the filtered list endpoint asks for."""
    return f"user-{min(1, user_count(sessions) - 1):04d}"


def copy_templates(dsn: str, *, prefix: str, count: int, templates: int, runs: int, users: int, t0: int) -> None:
    """Write `templates` sessions with `runs` runs through agno's PostgresDb (its bulk upsert_sessions and
    upsert_run), copy them into `count` sessions with `multiply`, then delete agno's originals."""
    import psycopg
    from agno.db.postgres import PostgresDb

    db = PostgresDb(db_url=sqlalchemy_url(dsn), id="bench-seed")
    try:
        template_sessions, template_runs = build_templates(templates, runs)
        db.upsert_sessions(template_sessions, preserve_updated_at=True)
        for run, session_id, index in template_runs:
            db.upsert_run(run, session_id=session_id, user_id="user-0000", run_index=index)
    finally:
        db.db_engine.dispose()
    like = TEMPLATE_PREFIX + "%"
    with psycopg.connect(dsn, autocommit=True) as conn, conn.transaction():
        stored = conn.execute(f"SELECT count(*) FROM {RUNS_TABLE} WHERE session_id LIKE %s",  # type: ignore[index]
                              (like,)).fetchone()[0]
        if stored != templates * runs:
            raise BenchError(f"agno stored {stored} template runs, expected {templates * runs}")
        multiply(conn, prefix=prefix, count=count, templates=templates, users=users, t0=t0)
        conn.execute(f"DELETE FROM {RUNS_TABLE} WHERE session_id LIKE %s", (like,))
        conn.execute(f"DELETE FROM {SESSIONS_TABLE} WHERE session_id LIKE %s", (like,))


def seed(dsn: str, sessions: int, runs: int) -> Dataset:
    """The data set: `sessions` sessions with `runs` runs each, then VACUUM ANALYZE."""
    import psycopg

    started = time.monotonic()
    templates = max(1, min(MAX_TEMPLATES, sessions))
    users = user_count(sessions)
    copy_templates(dsn, prefix=SESSION_PREFIX, count=sessions, templates=templates, runs=runs, users=users, t0=T0)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {SESSIONS_TABLE}")
        conn.execute(f"VACUUM ANALYZE {RUNS_TABLE}")
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
    return Dataset(
        sessions=sessions, runs_per_session=runs, templates=templates, users=users,
        seconds=round(time.monotonic() - started, 2), db_size_mb=round(size / 2**20, 1),
        method=(f"{templates} template sessions with {runs} runs each written through agno's PostgresDb "
                "(upsert_sessions, upsert_run), then copied with one INSERT ... SELECT per table (new ids, owners, "
                "names, timestamps; run_data ids patched with jsonb ||); agno's templates deleted; VACUUM ANALYZE"),
    )  # fmt: skip


def add_delete_pool(dsn: str, prefix: str, count: int, data: Dataset) -> None:
    """Sessions (with runs) for DELETE to remove, created long before the data set so list pages never show them."""
    copy_templates(dsn, prefix=prefix, count=count, templates=data.templates, runs=data.runs_per_session,
                   users=data.users, t0=T0 - 10 * 365 * 86400)  # fmt: skip


def count_prefix(dsn: str, prefix: str) -> int:
    """How many sessions have ids starting with `prefix`."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(f"SELECT count(*) FROM {SESSIONS_TABLE} WHERE session_id LIKE %s",  # type: ignore[index]
                            (prefix + "%",)).fetchone()[0]
