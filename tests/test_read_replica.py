"""A read replica that is a real streaming standby (initdb + pg_basebackup -R, started here): reads go to it
once it shows this process's writes, a caller always sees its own writes, a replica paused past
AGNO_READ_REPLICA_MAX_LAG is not read, and one that goes away has its reads answered by the primary."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import attrs
import psycopg2
import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from agno_session_aio.app import create_app
from agno_session_aio.config import Config, DatabaseConfig
from agno_session_aio.keys import DATABASES_KEY
from agno_session_aio.store.replica import ReadReplica
from devkit import postgres
from devkit.replication import ReplicationUnavailable, StreamingReplica

pytestmark = pytest.mark.slow

MAX_LAG = 1.0


@pytest.fixture(scope="module")
def replication() -> Iterator[StreamingReplica]:
    try:
        pair = StreamingReplica().start()
    except ReplicationUnavailable as exc:
        pytest.skip(str(exc))
    yield pair
    pair.stop()


@pytest.fixture
def databases(replication: StreamingReplica) -> Iterator[tuple[str, str]]:
    """A fresh database on the primary and its DSN on the standby (which replays the CREATE DATABASE)."""
    database = postgres.create_database(replication.primary_dsn, prefix="agno_replica")
    yield database.dsn, postgres.with_database(replication.standby_dsn, database.name)
    replication.resume_replay()
    postgres.drop_database(replication.primary_dsn, database.name)


def _config(primary: str, standby: str | None) -> Config:
    return Config(databases=(DatabaseConfig("default", primary, read_dsn=standby),), default_db_id="default",
                  replica_max_lag=MAX_LAG)


def _replica(client: TestClient) -> ReadReplica:
    replica = client.app[DATABASES_KEY].stores["default"].replica
    assert replica is not None
    return replica


async def _until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def _read_all(client: TestClient, session_id: str) -> list[tuple[int, object]]:
    answers = []
    for path in (f"/sessions/{session_id}", f"/sessions/{session_id}/runs", "/sessions?limit=50"):
        response = await client.get(path)
        answers.append((response.status, await response.json()))
    return answers


async def test_reads_reach_the_replica_and_see_their_own_writes(aiohttp_client: AiohttpClient,
                                                                 databases: tuple[str, str]) -> None:
    primary, standby = databases
    client = await aiohttp_client(create_app(_config(primary, standby)))
    replica = _replica(client)
    for n in range(20):
        # Each read right after its write sees it, wherever it is answered.
        created = await client.post("/sessions", json={"session_id": f"s{n}", "session_name": f"name {n}"})
        assert created.status == 201
        detail = await client.get(f"/sessions/s{n}")
        assert detail.status == 200 and (await detail.json())["session_name"] == f"name {n}"
        renamed = await client.post(f"/sessions/s{n}/rename", json={"session_name": f"renamed {n}"})
        assert renamed.status == 200
        listed = await client.get("/sessions?limit=50")
        assert f"renamed {n}" in {item["session_name"] for item in (await listed.json())["data"]}
    # Once the standby has replayed the writes, it answers the reads, exactly as the primary would.
    await _until(lambda: replica.usable(client.app[DATABASES_KEY].stores["default"].last_write))
    before = replica.reads
    from_replica = await _read_all(client, "s7")
    assert replica.reads == before + 3
    direct = await aiohttp_client(create_app(_config(primary, None)))
    assert from_replica == await _read_all(direct, "s7")
    metrics = await (await client.get("/metrics")).text()
    assert 'agno_session_db_replica_reads_total{db_id="default"}' in metrics
    assert 'agno_session_db_replica_staleness_seconds{db_id="default"}' in metrics


async def test_a_paused_replica_is_not_read_past_the_lag_bound(aiohttp_client: AiohttpClient,
                                                              replication: StreamingReplica,
                                                              databases: tuple[str, str]) -> None:
    primary, standby = databases
    client = await aiohttp_client(create_app(_config(primary, standby)))
    other = await aiohttp_client(create_app(_config(primary, None)))  # another replica of the service
    replica = _replica(client)
    assert (await client.post("/sessions", json={"session_id": "kept"})).status == 201
    await _until(lambda: replica.usable(client.app[DATABASES_KEY].stores["default"].last_write))

    replication.pause_replay()
    # Another process's write: within the lag bound the replica may still answer without it ...
    assert (await other.post("/sessions", json={"session_id": "elsewhere"})).status == 201
    before = replica.reads
    assert (await client.get("/sessions/elsewhere")).status == 404
    assert replica.reads == before + 1
    # ... but not past it: then the primary answers, with the write.
    await _until(lambda: replica.staleness > MAX_LAG)
    assert (await client.get("/sessions/elsewhere")).status == 200
    assert replica.reads == before + 1
    # This process's own writes are visible at once: its reads go to the primary while the standby lacks them.
    assert (await client.patch("/sessions/kept", json={"session_state": {"v": 1}})).status == 200
    assert (await (await client.get("/sessions/kept")).json())["session_state"] == {"v": 1}
    assert replica.reads == before + 1

    replication.resume_replay()
    await _until(lambda: replica.usable(client.app[DATABASES_KEY].stores["default"].last_write))
    assert (await client.get("/sessions/elsewhere")).status == 200
    assert replica.reads == before + 2


async def test_reads_survive_the_replica_going_away(aiohttp_client: AiohttpClient,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    # Its own standby, so stopping it leaves the module's pair alone.
    pair = StreamingReplica().start()
    try:
        database = postgres.create_database(pair.primary_dsn, prefix="agno_replica")
        primary, standby = database.dsn, postgres.with_database(pair.standby_dsn, database.name)
        client = await aiohttp_client(create_app(attrs.evolve(_config(primary, standby), pool_acquire_timeout=1.0)))
        replica = _replica(client)
        assert (await client.post("/sessions", json={"session_id": "x"})).status == 201
        await _until(lambda: replica.usable(client.app[DATABASES_KEY].stores["default"].last_write))
        assert (await client.get("/sessions/x")).status == 200 and replica.reads >= 1

        pair.stop_standby()
        # Every read is answered: the first ones fail on the replica and are repeated on the primary, then
        # the failed samples keep the reads on the primary.
        for _ in range(10):
            assert [status for status, _ in await _read_all(client, "x")] == [200, 200, 200]
        await _until(lambda: replica.staleness == float("inf"))
        assert any("read replica" in record.getMessage() for record in caplog.records)
        with pytest.raises(psycopg2.OperationalError):
            psycopg2.connect(standby, connect_timeout=2).close()
    finally:
        pair.stop()


@pytest.mark.parametrize("kind", ["unreachable", "not-a-standby"])
async def test_a_replica_that_cannot_be_used_leaves_every_read_on_the_primary(
        aiohttp_client: AiohttpClient, pg_dsn: str, kind: str, caplog: pytest.LogCaptureFixture) -> None:
    read_dsn = "postgresql://nobody@127.0.0.1:1/none" if kind == "unreachable" else pg_dsn
    client = await aiohttp_client(create_app(attrs.evolve(_config(pg_dsn, read_dsn), connect_timeout=1.0)))
    replica = _replica(client)
    assert (await client.post("/sessions", json={"session_id": "only-primary"})).status == 201
    await asyncio.sleep(0.5)  # several samples
    for _ in range(3):
        assert [status for status, _ in await _read_all(client, "only-primary")] == [200, 200, 200]
    assert replica.reads == 0 and replica.staleness == float("inf")
    expected = "read replica not sampled" if kind == "unreachable" else "is not a standby"
    assert len([r for r in caplog.records if expected in r.getMessage()]) == 1  # said once, not every sample
