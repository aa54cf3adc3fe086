"""The list and detail queries are served by agno's indexes at 100k sessions (EXPLAIN, no timing)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from agno_session_aio.app import create_app
from agno_session_aio.config import Config, DatabaseConfig
from agno_session_aio.keys import DATABASES_KEY
from agno_session_aio.records import SessionQuery
from agno_session_aio.store import prepared, queries
from agno_session_aio.store.prepared import Statement

from .conftest import create_database, drop_database, run_sql

pytestmark = pytest.mark.slow

SESSIONS = 100_000


@pytest.fixture(scope="module")
def big_dsn(pg_server_dsn: str) -> Iterator[str]:
    """100k sessions and 200k runs written with SQL (the shapes agno writes), analysed."""
    dsn = create_database(pg_server_dsn)
    run_sql(dsn, "CREATE SCHEMA ai")
    yield dsn
    drop_database(pg_server_dsn, dsn)


def _seed(dsn: str) -> None:
    run_sql(dsn, f"""
        INSERT INTO ai.agno_sessions (session_id, session_type, agent_id, user_id, session_data, agent_data,
                                      metadata, summary, created_at, updated_at)
        SELECT 's-' || g, 'agent', 'agent-' || (g % 50), 'user-' || (g % 1000),
               jsonb_build_object('session_name', 'Session ' || g), 'null', 'null', 'null', 1700000000 + g,
               1700000000 + g
        FROM generate_series(1, {SESSIONS}) g""")
    run_sql(dsn, f"""
        INSERT INTO ai.agno_runs (run_id, session_id, run_type, agent_id, user_id, status, run_index, run_data,
                                  created_at, updated_at)
        SELECT 'r-' || g || '-' || i, 's-' || g, 'agent', 'agent-' || (g % 50), 'user-' || (g % 1000), 'COMPLETED',
               i, jsonb_build_object('run_id', 'r-' || g || '-' || i, 'agent_id', 'agent-' || (g % 50)),
               1700000000 + g, 1700000000 + g
        FROM generate_series(1, {SESSIONS}) g, generate_series(0, 1) i""")
    run_sql(dsn, "VACUUM ANALYZE ai.agno_sessions")
    run_sql(dsn, "VACUUM ANALYZE ai.agno_runs")


def _plan(dsn: str, statement: str, params: dict[str, Any]) -> dict[str, Any]:
    ((plan,),) = run_sql(dsn, "EXPLAIN (FORMAT JSON) " + statement, params)
    return plan[0]["Plan"]  # type: ignore[no-any-return]


def _prepared_plan(dsn: str, statement: Statement, params: dict[str, Any]) -> dict[str, Any]:
    """The plan a warmed-up prepared statement runs with: PostgreSQL picks custom or generic plans after
    five executions."""
    explain = "; ".join([statement.prepare, *[statement.execute] * 6, "EXPLAIN (FORMAT JSON) " + statement.execute])
    ((plan,),) = run_sql(dsn, explain, params)
    return plan[0]["Plan"]  # type: ignore[no-any-return]


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


async def test_query_plans_use_indexes(aiohttp_client: AiohttpClient, big_dsn: str) -> None:
    client = await aiohttp_client(create_app(Config(databases=(DatabaseConfig("default", big_dsn),))))
    _seed(big_dsn)
    store = client.server.app[DATABASES_KEY].stores["default"]

    statement, params = queries.list_page(store.tables, SessionQuery(
        session_type=None, component_id=None, user_id=None, session_name=None, limit=20, page=1,
        sort_by="created_at", sort_order="desc",
    ))
    # The page itself walks the created_at index and stops after 20 rows: no sort of 100k rows. (A derived
    # name's run is found by sorting the runs of one session, never the sessions.) The same holds for the
    # plan the prepared statement runs with once warm.
    warmed = _prepared_plan(big_dsn, prepared.statement(statement, planned_for=params), params)
    for plan in (_plan(big_dsn, statement, params), warmed):
        page_nodes = list(_nodes(plan))
        assert any(node.get("Index Name") == "idx_agno_sessions_created_at" for node in page_nodes)
        sorts = [node for node in page_nodes if "Sort" in node["Node Type"]]
        assert not any(inner.get("Relation Name") == "agno_sessions" for node in sorts for inner in _nodes(node))
        # Planned for the actual limit: a plan for `LIMIT $1` assumes 10 % of the table, which at 1M
        # sessions turns into a parallel scan and sort of every row (docs/performance.md).
        limits = [node for node in page_nodes if node["Node Type"] == "Limit" and node.get("Plan Rows", 0) > 1]
        assert limits and all(node["Plan Rows"] == 20 for node in limits), limits

    # Detail: the session by primary key, its runs through the session_id index, in one statement.
    detail_nodes = list(_nodes(_plan(big_dsn, store._select_with_runs.text, {"session_id": "s-77"})))
    assert not any(node["Node Type"] == "Seq Scan" for node in detail_nodes)
    indexes = {node["Index Name"] for node in detail_nodes if "Index Name" in node}
    assert "agno_sessions_pkey" in indexes
    assert any(name.startswith("idx_agno_runs_session_id") for name in indexes)

    # And the answers are right at that size.
    body = await (await client.get("/sessions?limit=2")).json()
    assert [item["session_id"] for item in body["data"]] == [f"s-{SESSIONS}", f"s-{SESSIONS - 1}"]
    assert body["meta"]["total_count"] == SESSIONS
