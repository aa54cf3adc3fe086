"""Through PgBouncer in transaction mode (Debian's `pgbouncer`, started on a free port; the endpoint and
contract suites also run through it, see the `config` fixture): the service answers every request under
concurrent load, with prepared statements off as documented, and also with them left on by mistake (a
statement prepared on one server session is not on the next: the plain statement answers instead, and one
warning says which setting to change); and nothing it sets outlives its transaction on a server session."""

from __future__ import annotations

import asyncio

import attrs
import psycopg2
import pytest
from pytest_aiohttp import AiohttpClient

from agno_session_aio.app import create_app
from agno_session_aio.config import Config, DatabaseConfig
from devkit import postgres
from devkit.pgbouncer import PgBouncer

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("prepared", [False, True], ids=["prepared-off", "prepared-on-by-mistake"])
async def test_every_request_is_answered_through_pgbouncer(aiohttp_client: AiohttpClient, direct_config: Config,
                                                          pg_dsn: str, pgbouncer: PgBouncer, prepared: bool,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    config = attrs.evolve(direct_config, databases=(DatabaseConfig("default", pgbouncer.through(pg_dsn)),),
                          prepared_statements=prepared, pool_max_size=16)
    client = await aiohttp_client(create_app(config))
    for n in range(8):
        created = await client.post("/sessions", json={"session_id": f"pgb-{n}", "session_name": f"n{n}"})
        assert created.status == 201

    async def one(n: int) -> int:
        path = ("/sessions?limit=5", f"/sessions/pgb-{n % 8}", f"/sessions/pgb-{n % 8}/runs")[n % 3]
        response = await client.get(path)
        await response.read()
        return response.status

    statuses = await asyncio.gather(*(one(n) for n in range(600)))
    assert set(statuses) == {200}
    renamed = await client.post("/sessions/pgb-1/rename", json={"session_name": "through the pooler"})
    assert renamed.status == 200 and (await renamed.json())["session_name"] == "through the pooler"
    assert (await client.delete("/sessions/pgb-2")).status == 204
    assert (await client.get("/sessions/pgb-2")).status == 404
    warned = [r for r in caplog.records if "AGNO_PG_PREPARED_STATEMENTS=off" in r.getMessage()]
    assert len(warned) == (1 if prepared else 0)


async def test_no_session_state_outlives_a_transaction(aiohttp_client: AiohttpClient, direct_config: Config,
                                                      pg_server_dsn: str) -> None:
    """With one server session behind the pooler, whoever gets it after the service finds it as new: the
    statement timeout and the cancel tag were SET LOCAL, no statement is left prepared, no lock is held."""
    bouncer = PgBouncer(pg_server_dsn, pool_size=1).start()
    database = postgres.create_database(pg_server_dsn, prefix="agno_pgbouncer")  # nobody else connects to it
    pg_dsn = database.dsn
    try:
        config = attrs.evolve(direct_config, databases=(DatabaseConfig("default", bouncer.through(pg_dsn)),),
                              prepared_statements=False, statement_timeout=7.5)
        client = await aiohttp_client(create_app(config))
        assert (await client.post("/sessions", json={"session_id": "leak-1", "user_id": "u"})).status == 201
        for path in ("/sessions", "/sessions/leak-1", "/sessions/leak-1/runs", "/sessions?user_id=u&limit=1") * 3:
            assert (await client.get(path)).status == 200
        assert (await client.patch("/sessions/leak-1", json={"summary": {"summary": "s"}})).status == 200
        assert (await client.post("/sessions/leak-1/rename", json={"session_name": "n"})).status == 200
        conn = psycopg2.connect(bouncer.through(pg_dsn))
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT current_setting('statement_timeout'), current_setting('application_name'),"
                            " (SELECT count(*) FROM pg_prepared_statements),"
                            " (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'),"
                            " (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                            "  AND backend_type = 'client backend')")
                timeout, application, prepared, advisory, sessions = cur.fetchone()
        finally:
            conn.close()
        assert sessions == 1  # the service's and this connection's transactions shared one server session
        assert (timeout, application, prepared, advisory) == ("0", "", 0, 0)
    finally:
        bouncer.stop()
        postgres.drop_database(pg_server_dsn, database.name)
