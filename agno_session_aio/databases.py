"""One SessionStore per configured database, resolved by db_id with AgentOS's selection rules."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Final

import attrs
import psycopg2.extensions
from aiohttp import web

from .config import Config, DatabaseConfig, redact_dsn
from .errors import ApiError, BadRequest, NotFound
from .keys import CONFIG_KEY, DATABASES_KEY, EMBEDDED_DSN_KEY, METRICS_KEY
from .store import ConnectionPool, SessionStore, TableNames, connection_pool
from .store.replica import ReadReplica

logger = logging.getLogger(__name__)

# Seconds a statement may run past statement_timeout before the database counts as not answering.
STATEMENT_GRACE: Final = 2.0
# Besides its session table, agno lets `table` name these tables of a database (contract §1.6).
OTHER_AGNO_TABLES: Final = ("agno_memories", "agno_learnings", "agno_metrics", "agno_eval_runs", "agno_knowledge")


@attrs.frozen
class Databases:
    """The stores by db_id, in configuration order."""

    stores: dict[str, SessionStore]
    default_db_id: str

    async def resolve(self, db_id: str | None, table: str | None = None) -> SessionStore:
        """The store a request addresses; raises the contract's 400/404 (§1.6). Empty values count as absent."""
        if table and not db_id:
            raise BadRequest("The db_id query parameter is required when passing a table")
        if db_id:
            store = self.stores.get(db_id)
            if store is None:
                raise NotFound(f"No database found with id '{db_id}'")
            if table and not await _has_table(store, table):
                raise NotFound(f"No database with id '{db_id}' has table '{table}'")
            return store
        return self.stores[self.default_db_id]


async def _has_table(store: SessionStore, table: str) -> bool:
    if table not in (store.tables.session_table, *OTHER_AGNO_TABLES):
        return False
    return await store.has_table(table)


def _database_configs(app: web.Application) -> tuple[DatabaseConfig, ...]:
    config = app[CONFIG_KEY]
    if config.databases:
        return config.databases
    return (DatabaseConfig(config.default_db_id, app[EMBEDDED_DSN_KEY]),)


def _connection_options(dsn: str, config: Config) -> str:
    """The DSN's own `options` plus a server-side statement timeout, so slow queries stop in PostgreSQL."""
    own = psycopg2.extensions.parse_dsn(dsn).get("options", "")
    return f"{own} -c statement_timeout={_milliseconds(config.statement_timeout)}".strip()


def _milliseconds(seconds: float) -> int:
    return int(seconds * 1000)


@contextlib.asynccontextmanager
async def pg_pools(app: web.Application) -> AsyncIterator[None]:
    """Open one pool per db_id and make sure agno's tables exist; close the pools in reverse on exit.

    Databases that cannot be used at start-up are served as 503 until they answer (their tables are
    created then); only when none can be used does start-up fail, naming each and why.
    """
    config = app[CONFIG_KEY]
    async with contextlib.AsyncExitStack() as stack:
        stores = {}
        for database in _database_configs(app):
            pool = await stack.enter_async_context(_pool(database.dsn, config))
            replica = None
            if database.read_dsn is not None:
                # Opened on first use, so a replica that is down never delays start-up.
                replica_pool = await stack.enter_async_context(_pool(database.read_dsn, config, minsize=0))
                replica = ReadReplica(replica_pool, database.read_dsn, config.replica_max_lag)
                tracking = asyncio.get_running_loop().create_task(replica.track(database.dsn, database.db_id))
                stack.push_async_callback(_cancel, tracking)
            stores[database.db_id] = SessionStore(
                database.db_id,
                pool,
                # Its own: what start-up finds (agno 2.x's runs column, a sharded table) is per database.
                TableNames(config.db_schema, config.session_table, config.runs_table),
                acquire_timeout=config.pool_acquire_timeout,
                observe=_observer(app),
                cancel_dsn=database.dsn,
                prepared=config.prepared_statements,
                probe_timeout=min(config.connect_timeout, config.pool_acquire_timeout),
                replica=replica,
            )
            # Registered after the pool, so it runs before the pool closes.
            stack.push_async_callback(stores[database.db_id].drain)
        failures = dict(zip(stores, await asyncio.gather(*(_start(store) for store in stores.values()))))
        failures = {db_id: reason for db_id, reason in failures.items() if reason is not None}
        if len(failures) == len(stores):
            dsns = {database.db_id: database.dsn for database in _database_configs(app)}
            raise DatabaseStartupError("no database can be used: " + "; ".join(
                f"{db_id!r} ({redact_dsn(dsns[db_id])}): {reason}" for db_id, reason in failures.items()))
        for db_id, reason in failures.items():
            logger.warning("database %s is not usable yet (%s); its requests answer 503 until it answers", db_id, reason)
        if failures:
            retry = asyncio.get_running_loop().create_task(_bootstrap_when_back([stores[db_id] for db_id in failures]))
            stack.push_async_callback(_cancel, retry)
        app[DATABASES_KEY] = Databases(stores, config.default_db_id)
        yield


def _pool(dsn: str, config: Config, minsize: int | None = None) -> contextlib.AbstractAsyncContextManager[ConnectionPool]:
    return connection_pool(
        dsn,
        options=_connection_options(dsn, config),
        minsize=config.pool_min_size if minsize is None else minsize,
        maxsize=config.pool_max_size,
        timeout=config.connect_timeout,
        # PostgreSQL stops a statement at statement_timeout; one it leaves unanswered
        # past that is a database that is not answering at all (503, not 504).
        operation_timeout=config.statement_timeout + STATEMENT_GRACE,
        statement_timeout_ms=_milliseconds(config.statement_timeout),
    )


async def _start(store: SessionStore) -> str | None:
    """Open the pool and create missing tables; the reason it failed, or None."""
    try:
        await store.pool.open()
        await store.ensure_tables()
    except Exception as exc:  # every failure is reported, and the service starts with the others
        return _reason(exc)
    return None


def _reason(exc: BaseException) -> str:
    """A one-line reason, never empty (a timeout's text is)."""
    cause = exc.__cause__ if isinstance(exc, ApiError) and exc.__cause__ is not None else exc
    if isinstance(cause, TimeoutError):
        return "no answer in time (AGNO_PG_CONNECT_TIMEOUT)"
    text = " ".join(str(cause).split())
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


async def _bootstrap_when_back(stores: list[SessionStore], interval: float = 2.0) -> None:
    """Create the tables of databases that were down at start-up as soon as each answers."""
    while stores:
        await asyncio.sleep(interval)
        for store in list(stores):
            with contextlib.suppress(Exception):  # still down: the next round tries again
                await store.ensure_tables()
            if store.bootstrapped:
                logger.info("database %s answers again", store.db_id)
                stores.remove(store)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _observer(app: web.Application) -> Callable[[str, str, float], None]:
    histogram = app[METRICS_KEY].query_seconds
    # Labelled children, looked up once per (db_id, operation) instead of on every query.
    children: dict[tuple[str, str], Any] = {}

    def observe(db_id: str, operation: str, seconds: float) -> None:
        child = children.get((db_id, operation))
        if child is None:
            child = children[(db_id, operation)] = histogram.labels(db_id, operation)
        child.observe(seconds)

    return observe


class DatabaseStartupError(RuntimeError):
    """A configured database cannot be reached or prepared at start-up."""
