"""What operators rely on: /metrics, readiness, bounded pool waits, graceful SIGTERM, logs without secrets."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import signal
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import attrs
import psycopg2
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pytest_aiohttp import AiohttpClient

import agno_session_aio
from agno_session_aio.app import create_app
from agno_session_aio.config import Config, DatabaseConfig

from .conftest import create_database, drop_database
from .test_main import _env, _free_port, _start, _stop, _wait_healthy


@pytest.fixture
def table_lock(pg_dsn: str) -> Iterator[psycopg2.extensions.connection]:
    """A connection that can hold an exclusive lock on the session table, so requests block in-flight."""
    conn = psycopg2.connect(pg_dsn)
    yield conn
    conn.rollback()
    conn.close()


def _lock(conn: psycopg2.extensions.connection) -> None:
    with conn.cursor() as cur:
        cur.execute("LOCK TABLE ai.agno_sessions IN ACCESS EXCLUSIVE MODE")


async def test_metrics_scrape_parses_and_counts(client: AiohttpClient) -> None:
    await client.get("/sessions")
    await client.get("/sessions/missing")
    response = await client.get("/metrics")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
    families = {family.name: family for family in text_string_to_metric_families(await response.text())}
    requests = {(s.labels["route"], s.labels["status"]): s.value
                for s in families["agno_session_http_requests"].samples if s.name.endswith("_total")}
    assert requests[("/sessions", "200")] == 1 and requests[("/sessions/{session_id}", "404")] == 1
    assert "agno_session_http_request_duration_seconds" in families
    pool = {s.name: s.value for s in families["agno_session_db_pool_size"].samples}
    assert pool["agno_session_db_pool_size"] >= 1
    assert {"agno_session_db_pool_in_use", "agno_session_db_pool_waiting", "agno_session_db_pool_max"} <= set(families)
    queries = [s for s in families["agno_session_db_query_duration_seconds"].samples
               if s.name.endswith("_count") and s.labels["operation"] == "list_sessions"]
    assert queries and queries[0].value == 1
    (build,) = families["agno_session_build_info"].samples
    assert build.labels == {"version": agno_session_aio.__version__} and build.value == 1


async def test_pool_exhaustion_is_a_bounded_503(aiohttp_client: AiohttpClient, config: Config,
                                               table_lock: psycopg2.extensions.connection) -> None:
    client = await aiohttp_client(create_app(attrs.evolve(
        config, pool_min_size=1, pool_max_size=1, pool_acquire_timeout=0.3)))
    _lock(table_lock)
    holder = asyncio.ensure_future(client.get("/sessions"))  # takes the only connection, then waits on the lock
    await asyncio.sleep(0.2)
    started = asyncio.get_running_loop().time()
    busy = await client.get("/sessions/x")
    assert busy.status == 503
    assert await busy.json() == {"detail": "Database 'default' is busy, try again later"}
    assert asyncio.get_running_loop().time() - started < 2
    table_lock.rollback()
    assert (await holder).status == 200


async def test_statement_timeout_answers_504(aiohttp_client: AiohttpClient, config: Config,
                                            table_lock: psycopg2.extensions.connection) -> None:
    client = await aiohttp_client(create_app(attrs.evolve(config, statement_timeout=0.3)))
    _lock(table_lock)
    response = await client.get("/sessions")
    assert (response.status, await response.json()) == (504, {"detail": "Database query timed out"})


@pytest.mark.parametrize(("policy", "doomed_first", "ready"), [
    ("any", False, True),
    ("all", False, False),
    # "default" follows the default database only: ready while it answers, not once it is the one down.
    ("default", False, True),
    ("default", True, False),
])
async def test_readiness_policy_with_one_database_down(aiohttp_client: AiohttpClient, config: Config,
                                                       pg_server_dsn: str, policy: str, doomed_first: bool,
                                                       ready: bool) -> None:
    doomed = create_database(pg_server_dsn)
    databases = (*config.databases, DatabaseConfig("doomed", doomed))
    two = attrs.evolve(config, databases=databases[::-1] if doomed_first else databases, pool_min_size=0,
                       default_db_id="doomed" if doomed_first else "default",
                       readiness=policy)
    client = await aiohttp_client(create_app(two))
    response = await client.get("/readyz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"
    drop_database(pg_server_dsn, doomed)
    response = await client.get("/readyz")
    assert response.status == (200 if ready else 503)
    assert await response.json() == {"status": "degraded" if ready else "unavailable", "policy": policy,
                                     "databases": {"default": "ok", "doomed": "down"}}
    # The other database keeps serving, whatever readiness says.
    assert (await client.get("/sessions?db_id=default")).status == 200
    assert (await client.get("/sessions?db_id=doomed")).status == 503
    assert (await client.get("/healthz")).status == 200


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_sigterm_finishes_in_flight_requests(pg_dsn: str, table_lock: psycopg2.extensions.connection) -> None:
    port = _free_port()
    proc = _start(_env(AGNO_PG_DSN=pg_dsn, AGNO_SERVICE_PORT=str(port), AGNO_PG_POOL_MAX="20"))
    try:
        _wait_healthy(port, proc)
        _lock(table_lock)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            in_flight = [pool.submit(_get, f"http://127.0.0.1:{port}/sessions?limit={n + 1}") for n in range(8)]
            _wait_blocked(pg_dsn, 8)
            proc.send_signal(signal.SIGTERM)
            # Requests are still running when SIGTERM arrives; they must all complete.
            asyncio.run(asyncio.sleep(0.5))
            table_lock.rollback()
            assert [future.result() for future in in_flight] == [200] * 8
    finally:
        if proc.poll() is None:
            output, _ = proc.communicate(timeout=30)
        else:
            output = proc.stdout.read() if proc.stdout else ""
    assert proc.returncode == 0, output


def _wait_blocked(dsn: str, count: int) -> None:
    """Until `count` backends wait on the table lock."""
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        for _ in range(200):
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                if cur.fetchone()[0] >= count:
                    return
            asyncio.run(asyncio.sleep(0.05))
        raise AssertionError("requests never reached the database")
    finally:
        conn.close()


def _with_password(dsn: str, password: str) -> str:
    parts = urlsplit(dsn)
    user = parts.username or "postgres"
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


def test_logs_carry_request_ids_and_never_secrets(pg_dsn: str) -> None:
    password, key = "pw-9f8e7d6c5b", "key-1a2b3c4d5e"
    port = _free_port()
    proc = _start(_env(AGNO_PG_DSN=_with_password(pg_dsn, password), AGNO_SERVICE_PORT=str(port),
                       OS_SECURITY_KEY=key, AGNO_LOG_LEVEL="DEBUG"))
    try:
        _wait_healthy(port, proc)
        for headers, path in [
            ({"Authorization": f"Bearer {key}", "X-Request-ID": "find-me-42"}, "/sessions"),
            ({"Authorization": f"Bearer {key}x"}, "/sessions"),
            ({"Authorization": key}, "/sessions/none?db_id=zz"),
            ({}, "/sessions"),
        ]:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
            try:
                urllib.request.urlopen(request, timeout=10).close()
            except urllib.error.HTTPError:
                pass
    finally:
        output = _stop(proc)
    assert password not in output and key not in output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    (access,) = [line for line in lines if line.get("request_id") == "find-me-42"]
    assert access["path"] == "/sessions" and access["status"] == 200 and access["db_id"] == "default"
    assert access["client_ip"] == "127.0.0.1" and access["duration_ms"] >= 0


async def test_request_timeout_cancels_the_database_work(aiohttp_client: AiohttpClient, config: Config,
                                                        pg_dsn: str,
                                                        table_lock: psycopg2.extensions.connection) -> None:
    client = await aiohttp_client(create_app(attrs.evolve(config, request_timeout=0.3)))
    _lock(table_lock)
    response = await client.get("/sessions?user_id=timeout-probe")
    assert (response.status, await response.json()) == (504, {"detail": "Request timed out"})
    # The blocked query does not live on in PostgreSQL after the request gave up.
    conn = psycopg2.connect(pg_dsn)
    conn.autocommit = True
    try:
        for _ in range(50):
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%%timeout-probe%%'"
                            " AND pid <> pg_backend_pid() AND state = 'active'")
                if cur.fetchone()[0] == 0:
                    break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the query kept running after the 504")
    finally:
        conn.close()
