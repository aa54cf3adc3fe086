"""Several service processes on one database, as replicas behind a load balancer run: two single processes
and one with two workers, started at once on a database without agno's tables. They create the tables once,
answer alike, let exactly one of many concurrent creates of an id win, and lose no concurrent update."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
from collections.abc import Iterator

import aiohttp
import pytest

from devkit import postgres
from devkit.net import free_port

from .conftest import run_sql
from .test_main import ROOT, _env, _wait_healthy

pytestmark = pytest.mark.slow


@pytest.fixture
def replicas(pg_server_dsn: str) -> Iterator[tuple[list[str], str, list[subprocess.Popen[str]]]]:
    """Base URLs of the replicas, the database's DSN, and the processes."""
    database = postgres.create_database(pg_server_dsn, prefix="agno_scale_out")
    ports = [free_port() for _ in range(3)]
    procs = [
        subprocess.Popen([sys.executable, "-m", "agno_session_aio", *(["--workers", "2"] if n == 2 else [])],
                         env=_env(AGNO_PG_DSN=database.dsn, AGNO_SERVICE_PORT=str(port), AGNO_SERVICE_HOST="127.0.0.1"),
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for n, port in enumerate(ports)
    ]
    try:
        for port, proc in zip(ports, procs):
            _wait_healthy(port, proc)
        yield [f"http://127.0.0.1:{port}" for port in ports], database.dsn, procs
    finally:
        _stop_all(procs)
        postgres.drop_database(pg_server_dsn, database.name)


def _stop_all(procs: list[subprocess.Popen[str]]) -> list[str]:
    """Stop the processes still running; what each printed."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    return [proc.communicate(timeout=30)[0] if proc.stdout and not proc.stdout.closed else "" for proc in procs]


async def test_replicas_on_one_database(replicas: tuple[list[str], str, list[subprocess.Popen[str]]]) -> None:
    urls, dsn, procs = replicas
    # Started at once on an empty database: agno's tables and version rows exist once.
    assert run_sql(dsn, "SELECT table_name, version FROM ai.agno_schema_versions ORDER BY 1") == [
        ("agno_runs", "3.0.0"), ("agno_sessions", "3.0.0")]
    turn = itertools.cycle(urls)
    async with aiohttp.ClientSession() as http:

        async def call(method: str, path: str, **kwargs: object) -> tuple[int, object]:
            async with http.request(method, next(turn) + path, **kwargs) as response:  # type: ignore[arg-type]
                return response.status, await response.json() if response.status != 204 else None

        # One of many concurrent creates of an id wins, wherever each lands.
        for n in range(5):
            statuses = sorted(status for status, _ in await asyncio.gather(
                *(call("POST", "/sessions", json={"session_id": f"race-{n}", "user_id": "u"}) for _ in range(12))))
            assert statuses == [201] + [409] * 11

        # Four writers PATCH four fields of one session at once, each through every replica in turn:
        # each field ends with its writer's last value (a lost update would leave an older one).
        fields = {
            "session_name": lambda i: f"name {i}",
            "session_state": lambda i: {"step": i},
            "metadata": lambda i: {"m": i},
            "summary": lambda i: {"summary": f"summary {i}"},
        }

        async def writer(field: str) -> None:
            for i in range(25):
                status, _ = await call("PATCH", "/sessions/race-0", json={field: fields[field](i)})
                assert status == 200

        await asyncio.gather(*(writer(field) for field in fields))
        answers = [await call("GET", "/sessions/race-0") for _ in urls]
        assert all(answer == answers[0] for answer in answers)  # every replica answers the same
        status, detail = answers[0]
        assert status == 200 and isinstance(detail, dict)
        assert detail["session_name"] == "name 24" and detail["session_state"] == {"step": 24}
        assert detail["metadata"] == {"m": 24} and detail["session_summary"]["summary"] == "summary 24"

        # A mixed load across the replicas: every request answered, and the lists agree at the end.
        async def mixed(n: int) -> int:
            kind = n % 5
            if kind == 0:
                status, _ = await call("POST", "/sessions", json={"session_id": f"mixed-{n}", "user_id": "u"})
            elif kind == 1:
                status, _ = await call("GET", "/sessions?user_id=u&limit=5")
            elif kind == 2:
                status, _ = await call("GET", f"/sessions/race-{n % 5}")
            elif kind == 3:
                status, _ = await call("POST", f"/sessions/race-{n % 5}/rename", json={"session_name": f"r{n}"})
            else:
                status, _ = await call("DELETE", f"/sessions/mixed-{n - 4}")
            return status

        statuses = await asyncio.gather(*(mixed(n) for n in range(300)))
        assert set(statuses) <= {200, 201, 204}
        lists = [await call("GET", "/sessions?user_id=u&limit=100&sort_by=session_id&sort_order=asc") for _ in urls]
        assert all(listed == lists[0] for listed in lists)
        (count,) = run_sql(dsn, "SELECT count(*) FROM ai.agno_sessions WHERE user_id = 'u'")[0]
        assert lists[0][1]["meta"]["total_count"] == count  # type: ignore[index]
    outputs = _stop_all(procs)
    assert sum(output.count("created tables") for output in outputs) == 1, outputs
