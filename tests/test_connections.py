"""ConnectionPool against a real PostgreSQL: first come first served, bounded, and nothing leaks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import psycopg2
import pytest

from agno_session_aio.store.connections import ConnectionPool


@pytest.fixture
async def pool(pg_dsn: str) -> AsyncIterator[ConnectionPool]:
    pool = ConnectionPool(pg_dsn, minsize=1, maxsize=2, connect_timeout=5, options="")
    await pool.open()
    yield pool
    await pool.close()


async def test_opens_minsize_then_on_demand_up_to_maxsize(pool: ConnectionPool) -> None:
    assert (pool.size, pool.freesize) == (1, 1)
    first = pool.acquire_nowait()
    assert first is not None and pool.acquire_nowait() is None
    second = await pool.acquire()
    assert pool.size == 2 and first.conn is not second.conn
    await second.cursor.execute("SELECT 1")
    assert await second.cursor.fetchone() == (1,)
    pool.release(first)
    pool.release(second)
    assert (pool.size, pool.freesize) == (2, 2)


async def test_released_connections_go_to_the_oldest_waiter(pool: ConnectionPool) -> None:
    held = [await pool.acquire(), await pool.acquire()]
    order: list[str] = []

    async def wait(name: str) -> None:
        lease = await pool.acquire()
        order.append(name)
        await asyncio.sleep(0)
        pool.release(lease)

    waiters = [asyncio.create_task(wait(name)) for name in ("first", "second", "third")]
    await asyncio.sleep(0.01)
    for lease in held:
        pool.release(lease)
    await asyncio.gather(*waiters)
    assert order == ["first", "second", "third"]
    assert pool.size == 2 and pool.freesize == 2


async def test_a_cancelled_wait_leaves_nothing_behind(pool: ConnectionPool) -> None:
    held = [await pool.acquire(), await pool.acquire()]
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await pool.acquire()
    for lease in held:
        pool.release(lease)
    again = [pool.acquire_nowait(), pool.acquire_nowait()]
    assert None not in again and pool.size == 2
    for lease in again:
        assert lease is not None
        pool.release(lease)


async def test_a_broken_connection_is_closed_and_its_slot_reused(pool: ConnectionPool) -> None:
    held = [await pool.acquire(), await pool.acquire()]
    waiting = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0.01)
    held[0].conn.close()
    pool.release(held[0])
    # The waiter opened a connection of its own in the freed slot.
    fresh = await asyncio.wait_for(waiting, 5)
    assert not fresh.conn.closed and fresh.conn is not held[0].conn
    # A connection left inside a transaction is not handed to the next request either.
    await held[1].cursor.execute("BEGIN")
    pool.release(held[1])
    pool.release(fresh)
    assert pool.size == 1 and pool.freesize == 1


async def test_closing_closes_what_is_never_given_back(pg_dsn: str) -> None:
    pool = ConnectionPool(pg_dsn, minsize=0, maxsize=1, connect_timeout=5, options="")
    kept = await pool.acquire()
    await pool.close(timeout=0.05)
    assert kept.conn.closed


async def test_closing_wakes_waiters_and_refuses_new_requests(pg_dsn: str) -> None:
    pool = ConnectionPool(pg_dsn, minsize=1, maxsize=1, connect_timeout=5, options="")
    await pool.open()
    held = await pool.acquire()
    waiting = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0.01)
    closing = asyncio.create_task(pool.close(timeout=5))
    with pytest.raises(Exception, match="closed"):
        await waiting
    pool.release(held)
    await closing
    assert held.conn.closed and pool.size == 0


async def test_a_failed_connect_frees_its_slot_for_a_waiter(pg_dsn: str) -> None:
    pool = ConnectionPool("postgresql://nobody@127.0.0.1:1/none", minsize=0, maxsize=1, connect_timeout=2, options="")
    opener = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0)
    waiter = asyncio.create_task(pool.acquire())
    # Both fail at once (connection refused); the waiter does not sit out its wait for a release.
    for task in (opener, waiter):
        with pytest.raises(psycopg2.OperationalError):
            await asyncio.wait_for(task, 5)
    assert pool.size == 0
    await pool.close()
