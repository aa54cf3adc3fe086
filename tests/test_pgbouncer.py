"""Through PgBouncer in transaction mode (Debian's `pgbouncer`, started here on a free port): the service
answers every request under concurrent load, with prepared statements off as documented, and also with them
left on by mistake (a statement prepared on one server session is not on the next: the plain statement
answers instead, and one warning says which setting to change)."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import attrs
import pytest
from pytest_aiohttp import AiohttpClient

from agno_session_aio.app import create_app
from agno_session_aio.config import Config, DatabaseConfig
from devkit import postgres
from devkit.net import free_port

from .conftest import with_database

pytestmark = pytest.mark.slow


MACHINE_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def tcp_database(pg_server_dsn: str) -> Iterator[str]:
    """A throw-away database on a server PgBouncer can reach over TCP: the test server when it listens on
    TCP, else this machine's own PostgreSQL (the embedded one has only a socket in a private directory)."""
    import psycopg2

    server = pg_server_dsn
    if "host=/" in urlsplit(server).query or not urlsplit(server).hostname:
        try:
            psycopg2.connect(MACHINE_SERVER, connect_timeout=3).close()
        except psycopg2.OperationalError:
            pytest.skip("no PostgreSQL on TCP for PgBouncer to reach (the embedded one has only a unix socket)")
        server = MACHINE_SERVER
    database = postgres.create_database(server, prefix="agno_pgbouncer")
    try:
        yield database.dsn
    finally:
        postgres.drop_database(server, database.name)


@pytest.fixture
def pgbouncer(tcp_database: str) -> Iterator[str]:
    """A PgBouncer in transaction mode in front of a TCP database; yields the DSN through it."""
    binary = shutil.which("pgbouncer")
    if binary is None:
        pytest.skip("pgbouncer is not installed (Debian's pgbouncer; .ci/run installs it)")
    pg_dsn = tcp_database
    parts = urlsplit(pg_dsn)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 5432
    user = parts.username or "postgres"
    listen = free_port()
    home = Path(tempfile.mkdtemp(prefix="agno-pgbouncer-"))
    (home / "users.txt").write_text(f'"{user}" ""\n')
    (home / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={host} port={port} user={user}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {listen}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {home}/users.txt\n"
        "pool_mode = transaction\ndefault_pool_size = 4\nmax_client_conn = 200\n"
        # aiopg/psycopg2 send no startup options PgBouncer would refuse
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {home}/pgbouncer.log\npidfile = {home}/pgbouncer.pid\n"
    )
    argv = [binary, str(home / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run pgbouncer as")
        os.chown(home, owner.pw_uid, owner.pw_gid)
        for path in home.iterdir():
            os.chown(path, owner.pw_uid, owner.pw_gid)
        argv[1:1] = ["-u", "postgres"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import psycopg2

        through = with_database(f"postgresql://{user}@127.0.0.1:{listen}/postgres", urlsplit(pg_dsn).path.lstrip("/"))
        deadline = time.monotonic() + 20
        while True:
            try:
                psycopg2.connect(through, connect_timeout=2).close()
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    log = (home / "pgbouncer.log").read_text() if (home / "pgbouncer.log").exists() else ""
                    pytest.fail(f"pgbouncer did not answer:\n{log[-2000:]}")
                time.sleep(0.2)
        yield through
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.parametrize("prepared", [False, True], ids=["prepared-off", "prepared-on-by-mistake"])
async def test_every_request_is_answered_through_pgbouncer(aiohttp_client: AiohttpClient, config: Config,
                                                          pgbouncer: str, prepared: bool,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    config = attrs.evolve(config, databases=(DatabaseConfig("default", pgbouncer),), prepared_statements=prepared,
                          pool_max_size=16)
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
