"""Databases written by agno 2.x (issue 13), with that release's own writer: AgentOS 3.1.10 and ours side by
side on them, untouched, half migrated and after deletes.

agno 2.x runs in its own virtual environment (a fresh one, or the interpreter in AGNO_TEST_AGNO2_PYTHON), so
it never meets 3.1.10; `agno2_writer.py` seeds each database through its PostgresDb. Then:

* start-up: ours on one such database, AgentOS on an identical one; both must leave the same session and
  runs tables and the same version rows for them (a runs table created, the legacy column kept);
* side by side: every read and write of the session API on the 2.x rows, compared answer by answer and
  table by table: untouched, half migrated (part of the runs copied into agno_runs, some edited) and
  migrated (every run copied, the legacy column kept, as agno's own migration leaves it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from . import infra
from .conftest import POOLED, ROUTES, _self_check, pooler, report_key, report_path, running_harness
from .steps import Req, Step

AGNO2 = os.environ.get("AGNO_TEST_AGNO2_VERSION", "2.9.0")
WRITER = Path(__file__).with_name("agno2_writer.py")
NAMED, UNNAMED, EMPTY, TEAM, WORKFLOW = "v2-agent-named", "v2-agent-unnamed", "v2-agent-empty", "v2-team", "v2-workflow"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def agno2_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    configured = os.environ.get("AGNO_TEST_AGNO2_PYTHON")
    if configured:
        return configured
    venv = tmp_path_factory.mktemp("agno2") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    # fastapi: agno 2.x's workflow package imports it; sqlalchemy[asyncio]: its PostgresDb module does
    install = subprocess.run([python, "-m", "pip", "install", "-q", f"agno=={AGNO2}", "sqlalchemy[asyncio]>=2",
                              "psycopg[binary]", "fastapi"], capture_output=True, text=True, timeout=600)
    if install.returncode != 0:
        pytest.skip(f"cannot install agno {AGNO2} in a virtual environment: {install.stderr.strip()[-500:]}")
    return python


def _seeded(pg: infra.PostgresServer, python: str) -> infra.Database:
    db = infra.create_database(pg.admin_dsn)
    written = subprocess.run([python, str(WRITER), db.url], capture_output=True, text=True, timeout=300)
    assert written.returncode == 0, written.stderr[-3000:]
    return db


def _layout(dsn: str) -> dict:
    """The session and runs tables' columns, constraints and version rows."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns"
            " WHERE table_schema = 'ai' AND table_name IN ('agno_sessions', 'agno_runs') ORDER BY 1, 2").fetchall()
        constraints = conn.execute(
            "SELECT conrelid::regclass::text, contype, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid::regclass::text IN ('ai.agno_sessions', 'ai.agno_runs') ORDER BY 1, 2, 3").fetchall()
        versions = conn.execute(
            "SELECT table_name, version FROM ai.agno_schema_versions"
            " WHERE table_name IN ('agno_sessions', 'agno_runs') ORDER BY 1").fetchall()
    return {"columns": columns, "constraints": constraints, "versions": versions}


@pytest.fixture(scope="module")
def legacy_dbs(contract_pg, agno2_python):
    dbs = [_seeded(contract_pg, agno2_python), _seeded(contract_pg, agno2_python)]
    yield dbs
    for db in dbs:
        infra.drop_database(contract_pg.admin_dsn, db.name)


def test_start_up_leaves_the_tables_agentos_leaves(legacy_dbs, contract_logs):
    ours_db, agentos_db = legacy_dbs
    before = _layout(ours_db.dsn)
    assert ("agno_sessions", "runs", "jsonb", "YES") in before["columns"]  # a 2.x table, not yet migrated
    assert not any(table == "agno_runs" for table, *_ in before["columns"])
    infra.start_ours(ours_db, contract_logs, name="ours-legacy-start").stop()
    infra.start_agentos(agentos_db, contract_logs, name="agentos-legacy-start").stop()
    ours, agentos = _layout(ours_db.dsn), _layout(agentos_db.dsn)
    assert any(table == "agno_runs" for table, *_ in ours["columns"])
    assert ours == agentos


@pytest.fixture(scope="module", params=ROUTES)
def legacy_harness(request, legacy_dbs, contract_logs):
    db = legacy_dbs[1]  # AgentOS has started on it once (its tables are there)
    through = pooler(request)
    pooled = through is not None
    agentos = infra.start_agentos(db, contract_logs, name="agentos-legacy" + ("-pgbouncer" if pooled else ""))
    try:
        if _self_check():
            ours = infra.start_agentos(db, contract_logs, name="agentos-legacy-as-ours")
        else:
            ours = infra.start_ours(db, contract_logs, name="ours-legacy", pooler=through)
    except BaseException:
        agentos.stop()
        raise
    path = report_path(Path(contract_logs) / "contract-legacy-report.md", pooled)
    key = report_key("agno 2.x database", pooled)
    try:
        with running_harness(request.config, db, agentos.base_url, ours.base_url, path, key,
                             title="agno 2.x database" + ("," + POOLED if pooled else "")) as harness:
            yield harness
    finally:
        ours.stop()
        agentos.stop()


def _migrate(session_id: str, run_data: str = "r", where: str = "true") -> str:
    """Copy a session's legacy runs into agno_runs as agno's migration would (index = array position)."""
    return (
        "INSERT INTO ai.agno_runs (run_id, session_id, run_type, agent_id, team_id, workflow_id, user_id,"
        " parent_run_id, status, run_index, run_data, created_at)"
        f" SELECT r ->> 'run_id', s.session_id, s.session_type, r ->> 'agent_id', r ->> 'team_id',"
        f" r ->> 'workflow_id', r ->> 'user_id', r ->> 'parent_run_id', {run_data} ->> 'status', o - 1, {run_data},"
        " COALESCE((r ->> 'created_at')::bigint, 0)"
        " FROM ai.agno_sessions s, jsonb_array_elements(s.runs) WITH ORDINALITY AS e(r, o)"
        f" WHERE s.session_id = '{session_id}' AND jsonb_typeof(s.runs) = 'array' AND {where}"
    )


def _get(path: str) -> Req:
    return Req("GET", path)


READS = [
    _get("/sessions?limit=50"), _get("/sessions?type=team"), _get("/sessions?type=workflow"),
    _get("/sessions?user_id=user-2&type=agent"),
    *(_get(f"/sessions/{sid}") for sid in (NAMED, UNNAMED, EMPTY, TEAM, WORKFLOW)),
    *(_get(f"/sessions/{sid}/runs") for sid in (NAMED, UNNAMED, TEAM, WORKFLOW)),
    *(_get(f"/sessions/{sid}/run-previews") for sid in (UNNAMED, TEAM, WORKFLOW)),
    _get(f"/sessions/{NAMED}/runs/v2-an-2"), _get(f"/sessions/{TEAM}/runs/v2-tm-m1"),
    _get(f"/sessions/{WORKFLOW}/runs/v2-wf-1"), _get(f"/sessions/{UNNAMED}/runs?status=PAUSED"),
]
HALF_MIGRATED = [
    _migrate(NAMED),  # fully copied
    # copied with an edited state: the table's version wins
    _migrate(UNNAMED, "jsonb_set(jsonb_set(r, '{status}', '\"COMPLETED\"'), '{content}', '\"migrated\"')"),
    _migrate(TEAM, where="r ->> 'parent_run_id' IS NULL"),  # the team run only, its member run legacy-only
]
# every session's runs copied, the legacy column kept (what agno's own migration leaves)
MIGRATED = [_migrate(session_id) for session_id in (NAMED, UNNAMED, EMPTY, TEAM, WORKFLOW)]
STATES = {"untouched": [], "half-migrated": HALF_MIGRATED, "migrated": MIGRATED}


def _steps() -> list[Step]:
    steps = []
    for state, sql in STATES.items():
        for index, req in enumerate(READS):
            steps.append(Step(f"legacy-{state}-read-{index:02d}", f"{state}: {req.method} {req.path}", [req],
                              setup_sql=sql, compare_db=False))
        writes = [
            ("rename", [Req("POST", f"/sessions/{NAMED}/rename", json={"session_name": "renamed"}),
                        _get(f"/sessions/{NAMED}")]),
            ("patch", [Req("PATCH", f"/sessions/{TEAM}", json={"session_state": {"k": 1}}), _get(f"/sessions/{TEAM}")]),
            ("delete", [Req("DELETE", f"/sessions/{NAMED}"), _get(f"/sessions/{NAMED}"), _get("/sessions?limit=50")]),
            ("delete-many", [Req("DELETE", "/sessions", json={"session_ids": [TEAM, WORKFLOW],
                                                              "session_types": ["team", "workflow"]}),
                             _get("/sessions?limit=50")]),
            ("create-over", [Req("POST", "/sessions", json={"session_id": UNNAMED})]),
            ("list-after-create", [Req("POST", "/sessions", json={"session_id": "v3-new", "session_name": "New"}),
                                   _get("/sessions?limit=50&sort_by=created_at&sort_order=asc")]),
        ]
        for name, requests in writes:
            steps.append(Step(f"legacy-{state}-{name}", f"{state}: {name}", requests, setup_sql=sql,
                              ties="created_at" if "sort_by" in str(requests[-1].path) else None))
    return steps


LEGACY_STEPS = _steps()


@pytest.mark.parametrize("step", LEGACY_STEPS, ids=[s.id for s in LEGACY_STEPS])
def test_legacy_step(step, legacy_harness):
    result = legacy_harness.run(step)
    if result.failed:
        pytest.fail(result.render(), pytrace=False)
