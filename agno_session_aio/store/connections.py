"""A first-come-first-served pool of aiopg connections, each handed out with its one reusable cursor.

aiopg's own pool takes a lock on every acquire, starts a task on every release and lets a newcomer take a
freed connection ahead of older waiters. Here a free connection is taken without awaiting anything, a
released one goes straight to the oldest waiter, and a request never waits longer than it is told to.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final, TypeAlias

import aiopg
import attrs
import psycopg2.extensions
import psycopg2.extras

from .. import jsonutil
from . import sql

# application_name of a transaction through a pooler: what a side connection finds it by to cancel it.
POOLED_TAG_PREFIX: Final = "agno-session-aio/"


@attrs.define(eq=False)
class Lease:
    """An open connection and the cursor every statement on it runs through."""

    conn: aiopg.Connection
    cursor: Cursor
    # What a side connection runs to stop this connection's statement on the server, read at connect:
    # cancelling needs it after aiopg closed conn.
    cancel: tuple[str, dict[str, Any]]


class PooledCursor:
    """The cursor of a connection through a pooler (PgBouncer in transaction mode), which hands every
    transaction whichever server session is free and drops startup options.

    Each transaction sets its own statement timeout, and tags itself by application_name so that a side
    connection can find the server process running it (the process id libpq reports is the pooler's key).
    Both are SET LOCAL: nothing outlives the transaction on a server session others get next.
    """

    def __init__(self, cursor: aiopg.Cursor, statement_timeout_ms: int, tag: str) -> None:
        self._cursor = cursor
        self._settings = f"SET LOCAL statement_timeout = {statement_timeout_ms}; SET LOCAL application_name = '{tag}'"

    async def execute(self, operation: str, parameters: Any = None) -> None:
        if self._cursor.connection.raw.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE:
            # One statement outside BEGIN is its own (implicit) transaction, and so is this one query string.
            operation = f"{operation}; {self._settings}" if operation == "BEGIN" else f"{self._settings}; {operation}"
        await self._cursor.execute(operation, parameters)

    async def fetchone(self) -> Any:
        return await self._cursor.fetchone()

    async def fetchall(self) -> list[Any]:
        return await self._cursor.fetchall()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def connection(self) -> aiopg.Connection:
        return self._cursor.connection

    @property
    def closed(self) -> bool:
        return bool(self._cursor.closed)


# What the store runs its statements through, directly or through a pooler.
Cursor: TypeAlias = "aiopg.Cursor | PooledCursor"


class ConnectionPool:
    """Up to `maxsize` connections to one database, opened on demand and kept while healthy."""

    def __init__(
        self,
        dsn: str,
        *,
        minsize: int,
        maxsize: int,
        connect_timeout: float,
        options: str,
        operation_timeout: float | None = None,
        on_connect: Callable[[aiopg.Connection], Awaitable[None]] | None = None,
        statement_timeout_ms: int = 0,
    ) -> None:
        self.dsn = dsn
        self.minsize = minsize
        self.maxsize = maxsize
        self._connect_timeout = connect_timeout
        # aiopg bounds every statement by the connect timeout unless its cursor is told otherwise.
        self._operation_timeout = operation_timeout or connect_timeout
        self._options = options
        self._on_connect = on_connect
        # Also in `options`; a connection through a pooler sets it per transaction instead.
        self._statement_timeout_ms = statement_timeout_ms
        self._free: collections.deque[Lease] = collections.deque()
        # Futures of waiting requests, oldest first; each gets a Lease, or None: "a slot is free, connect".
        self._waiters: collections.deque[asyncio.Future[Lease | None]] = collections.deque()
        self._leased: set[Lease] = set()
        self._opening = 0
        self._closed = False
        self._all_returned = asyncio.Event()

    @property
    def size(self) -> int:
        """Connections open or being opened."""
        return len(self._free) + len(self._leased) + self._opening

    @property
    def freesize(self) -> int:
        """Open connections nobody holds."""
        return len(self._free)

    async def open(self) -> None:
        """Open `minsize` connections; raises when the database cannot be reached."""
        while len(self._free) < self.minsize:
            self._free.append(await self._connect())

    def acquire_nowait(self) -> Lease | None:
        """A free open connection if there is one and nobody queues ahead; never waits."""
        if self._waiters:
            return None
        while self._free:
            lease = self._free.pop()  # the most recently used: its server process is warm
            if not lease.conn.closed:
                self._leased.add(lease)
                return lease
        return None

    async def acquire(self) -> Lease:
        """A free connection, a new one while below maxsize, else the next one released (FIFO).

        The caller bounds the wait (asyncio.timeout); a cancelled wait leaves nothing behind.
        """
        while True:
            if (lease := self.acquire_nowait()) is not None:
                return lease
            if self._closed:
                raise psycopg2.OperationalError("connection pool is closed")
            if self.size < self.maxsize:
                self._opening += 1
                try:
                    lease = await self._connect()
                except BaseException:
                    # The slot is free again: the oldest waiter may try (and answer) instead of waiting on.
                    self._opening -= 1
                    self._hand_over(None)
                    raise
                self._opening -= 1
                self._leased.add(lease)
                return lease
            waiter: asyncio.Future[Lease | None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                handed = await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    # Handed a connection (or a free slot) just as the wait was cancelled: pass it on.
                    given = waiter.result()
                    if given is not None:
                        self._leased.add(given)
                        self.release(given)
                    else:
                        self._hand_over(None)
                elif waiter in self._waiters:
                    self._waiters.remove(waiter)
                raise
            if handed is not None:
                self._leased.add(handed)
                return handed

    def release(self, lease: Lease) -> None:
        """Give a connection back: to the oldest waiter, else to the free list; a broken one is closed."""
        self._leased.discard(lease)
        conn = lease.conn
        healthy = (
            not self._closed
            and not conn.closed
            and conn.raw.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE
        )
        if not healthy:
            if not conn.closed:
                conn.close()
            self._hand_over(None)
        elif not self._hand_over(lease):
            self._free.append(lease)
        if self._closed and not self._leased:
            self._all_returned.set()

    def _hand_over(self, lease: Lease | None) -> bool:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(lease)
                return True
        return False

    async def _connect(self) -> Lease:
        conn = await aiopg.connect(
            self.dsn,
            timeout=self._connect_timeout,
            enable_json=False,
            enable_hstore=False,
            enable_uuid=False,
            options=self._options,
        )
        try:
            if self._on_connect is not None:
                await self._on_connect(conn)
            cursor = await conn.cursor(timeout=self._operation_timeout)
            await cursor.execute(sql.BACKEND_PID)
            (server_pid,) = await cursor.fetchone()
        except BaseException:
            conn.close()
            raise
        if server_pid == conn.raw.get_backend_pid():
            return Lease(conn, cursor, (sql.CANCEL_BACKEND, {"pid": server_pid}))
        # A pooler answered the startup with a key of its own: the server session changes per transaction.
        tag = POOLED_TAG_PREFIX + uuid.uuid4().hex
        return Lease(conn, PooledCursor(cursor, self._statement_timeout_ms, tag), (sql.CANCEL_TAGGED, {"tag": tag}))

    async def close(self, timeout: float = 5.0) -> None:
        """Close free connections now, leased ones as they come back, and after `timeout` the rest too."""
        self._closed = True
        while self._free:
            self._free.pop().conn.close()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        if self._leased:
            try:
                await asyncio.wait_for(self._all_returned.wait(), timeout)
            except TimeoutError:
                for lease in self._leased:
                    lease.conn.close()

    def __repr__(self) -> str:
        return f"<ConnectionPool size={self.size} free={self.freesize} max={self.maxsize}>"


async def _decode_json_with_jsonutil(conn: aiopg.Connection) -> None:
    # Per connection, so nothing else in the process that uses psycopg2 is affected.
    psycopg2.extras.register_default_jsonb(conn.raw, loads=jsonutil.loads)
    psycopg2.extras.register_default_json(conn.raw, loads=jsonutil.loads)


@contextlib.asynccontextmanager
async def connection_pool(
    dsn: str,
    *,
    options: str,
    minsize: int,
    maxsize: int,
    timeout: float,
    operation_timeout: float | None = None,
    statement_timeout_ms: int = 0,
) -> AsyncIterator[ConnectionPool]:
    """A connection pool (the caller opens it), closed on exit; JSON decodes through jsonutil."""
    pool = ConnectionPool(
        dsn,
        minsize=minsize,
        maxsize=maxsize,
        connect_timeout=timeout,
        options=options,
        operation_timeout=operation_timeout,
        on_connect=_decode_json_with_jsonutil,
        statement_timeout_ms=statement_timeout_ms,
    )
    try:
        yield pool
    finally:
        await pool.close()
