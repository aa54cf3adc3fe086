"""Prepared statements: their derived texts, and PREPARE/EXECUTE bookkeeping against a real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiopg
import attrs
import pytest
from pytest_aiohttp import AiohttpClient

from agno_session_aio.app import create_app
from agno_session_aio.config import Config
from agno_session_aio.records import SessionListRecord
from agno_session_aio.store import sql
from agno_session_aio.store.prepared import PreparedStatements, StatementCache, statement


def test_statement_numbers_parameters_by_first_use_and_keeps_literal_percents() -> None:
    stmt = statement("SELECT %(b)s, %(a)s, %(b)s WHERE x ILIKE '%%' || %(a)s")
    assert stmt.prepare == f"PREPARE {stmt.name} AS SELECT $1, $2, $1 WHERE x ILIKE '%%' || $2"
    assert stmt.execute == f"EXECUTE {stmt.name}(%(b)s, %(a)s)"
    assert statement("SELECT 1").execute == f"EXECUTE {statement('SELECT 1').name}"
    assert statement("SELECT 1").name != statement("SELECT 2").name


def test_planned_for_values_are_written_into_the_prepared_text() -> None:
    stmt = statement("SELECT %(a)s LIMIT %(limit)s OFFSET %(offset)s", planned_for={"limit": 20, "offset": 40})
    assert stmt.prepare == f"PREPARE {stmt.name} AS SELECT $1 LIMIT 20 OFFSET 40"
    assert stmt.execute == f"EXECUTE {stmt.name}(%(a)s)"
    other = statement("SELECT %(a)s LIMIT %(limit)s OFFSET %(offset)s", planned_for={"limit": 20, "offset": 60})
    assert other.name != stmt.name


def test_statement_cache_prepares_from_the_second_use_and_forgets_the_oldest() -> None:
    cache = StatementCache(capacity=2)
    assert cache.get("SELECT 1") is None  # seen once: run as it is
    first = cache.get("SELECT 1")
    assert first is not None and cache.get("SELECT 1") is first
    assert cache.get("SELECT 2") is None and cache.get("SELECT 3") is None  # "SELECT 1" is forgotten
    assert cache.get("SELECT 1") is None
    assert cache.get("SELECT 2", {"limit": 5}) is None  # planned for other values: another variant


def test_list_record_fields_follow_the_list_statement() -> None:
    assert SessionListRecord._fields == sql.LIST_ITEM_FIELDS


@pytest.fixture
async def cursor(pg_dsn: str) -> AsyncIterator[Any]:
    async with aiopg.connect(pg_dsn) as conn, conn.cursor() as cur:
        yield cur


async def _prepared_names(cur: Any) -> set[str]:
    await cur.execute("SELECT name FROM pg_prepared_statements")
    return {name for (name,) in await cur.fetchall()}


async def test_prepared_once_then_executed(cursor: Any) -> None:
    prepared = PreparedStatements(enabled=True)
    stmt = statement("SELECT %(x)s::int + 1, '100%%'")
    for x in (1, 2):
        await prepared.execute(cursor, stmt, {"x": x})
        assert await cursor.fetchone() == (x + 1, "100%")
    assert await _prepared_names(cursor) == {stmt.name}


async def test_lost_or_unrecorded_statements_are_recovered(cursor: Any) -> None:
    stmt = statement("SELECT %(x)s::int * 2")
    prepared = PreparedStatements(enabled=True)
    await prepared.execute(cursor, stmt, {"x": 2})
    # The server forgot it (DISCARD ALL, a pooler that switched sessions): prepared again.
    await cursor.execute("DEALLOCATE ALL")
    await prepared.execute(cursor, stmt, {"x": 3})
    assert await cursor.fetchone() == (6,)
    # The server has it but the bookkeeping does not (an earlier EXECUTE failed): executed as is.
    await prepared.execute(cursor, stmt, {"x": 4})
    fresh = PreparedStatements(enabled=True)
    await fresh.execute(cursor, stmt, {"x": 5})
    assert await cursor.fetchone() == (10,)


async def test_least_recently_used_statements_are_deallocated(cursor: Any) -> None:
    prepared = PreparedStatements(enabled=True, capacity=2)
    statements = [statement(f"SELECT {n} + %(x)s::int") for n in range(3)]
    for stmt in statements:
        await prepared.execute(cursor, stmt, {"x": 1})
    assert await _prepared_names(cursor) == {statements[1].name, statements[2].name}
    # The server forgot them all: evicting one it no longer has is no error.
    await cursor.execute("DEALLOCATE ALL")
    await prepared.execute(cursor, statement("SELECT 9 + %(x)s::int"), {"x": 1})
    assert await cursor.fetchone() == (10,)


async def test_disabled_runs_statements_as_they_are(cursor: Any) -> None:
    await PreparedStatements(enabled=False).execute(cursor, statement("SELECT %(x)s::int"), {"x": 7})
    assert await cursor.fetchone() == (7,)
    assert await _prepared_names(cursor) == set()


LIST_VARIANTS = [
    "/sessions",
    "/sessions?type=agent&component_id=a1&user_id=u1&session_name=x&sort_by=updated_at&sort_order=asc",
    "/sessions?type=team&component_id=t1&sort_by=session_data&page=3&limit=5",
    "/sessions?component_id=w1&sort_by=session_id",
]


async def _answers(client: Any) -> list[bytes]:
    answers = []
    for path in [*LIST_VARIANTS, "/sessions/p1", "/sessions/p1?user_id=u1", "/sessions/p1/runs",
                 "/sessions/p1/run-previews", "/sessions/p1/runs/none"]:
        response = await client.get(path)
        assert response.status in (200, 404), (path, await response.text())
        answers.append(await response.read())
    return answers


async def test_every_statement_prepares_and_answers_alike(aiohttp_client: AiohttpClient, config: Config) -> None:
    prepared = await aiohttp_client(create_app(attrs.evolve(config, prepared_statements=True)))
    plain = await aiohttp_client(create_app(attrs.evolve(config, prepared_statements=False)))
    created = await prepared.post("/sessions?type=agent", json={"session_id": "p1", "user_id": "u1", "agent_id": "a1"})
    assert created.status == 201
    expected = await _answers(plain)
    # Twice: the first round prepares each statement, the second only EXECUTEs it.
    assert await _answers(prepared) == expected
    assert await _answers(prepared) == expected
    for client in (prepared, plain):
        renamed = await client.post("/sessions/p1/rename", json={"session_name": "Trip"})
        assert renamed.status == 200
    listed = await (await prepared.get("/sessions?user_id=u1")).json()
    assert [item["session_name"] for item in listed["data"]] == ["Trip"]
