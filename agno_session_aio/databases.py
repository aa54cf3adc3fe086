"""One SessionStore per configured database, resolved by db_id with AgentOS's selection rules."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Final

import attrs
import psycopg2.extensions
from aiohttp import web

from .config import Config, DatabaseConfig, redact_dsn
from .errors import BadRequest, NotFound
from .keys import CONFIG_KEY, DATABASES_KEY, EMBEDDED_DSN_KEY, METRICS_KEY
from .store import SessionStore, TableNames, open_pool

logger = logging.getLogger(__name__)

# Besides its session table, agno lets `table` name these tables of a database (contract §1.6).
# Seconds a statement may run past statement_timeout before the database counts as not answering.
STATEMENT_GRACE: Final = 2.0
OTHER_AGNO_TABLES: Final = ("agno_memories", "agno_learnings", "agno_metrics", "agno_eval_runs", "agno_knowledge")


@attrs.frozen
class Databases:
    """The stores by db_id, in configuration order."""

    stores: dict[str, SessionStore]
    default_db_id: str
    default_explicit: bool = False

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
        if len(self.stores) > 1 and not self.default_explicit:
            raise BadRequest("The db_id query parameter is required when using multiple databases")
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
    timeout_ms = int(config.statement_timeout * 1000)
    return f"{own} -c statement_timeout={timeout_ms}".strip()


@contextlib.asynccontextmanager
async def pg_pools(app: web.Application) -> AsyncIterator[None]:
    """Open one pool per db_id, make sure agno's tables exist, and close the pools in reverse on exit."""
    config = app[CONFIG_KEY]
    tables = TableNames(config.db_schema, config.session_table, config.runs_table)
    async with contextlib.AsyncExitStack() as stack:
        stores = {}
        for database in _database_configs(app):
            try:
                pool = await stack.enter_async_context(
                    open_pool(
                        database.dsn,
                        options=_connection_options(database.dsn, config),
                        minsize=config.pool_min_size,
                        maxsize=config.pool_max_size,
                        timeout=config.connect_timeout,
                        # PostgreSQL stops a statement at statement_timeout; one it leaves unanswered
                        # past that is a database that is not answering at all (503, not 504).
                        operation_timeout=config.statement_timeout + STATEMENT_GRACE,
                    )
                )
                store = SessionStore(
                    database.db_id,
                    pool,
                    tables,
                    acquire_timeout=config.pool_acquire_timeout,
                    observe=_observer(app),
                    cancel_dsn=database.dsn,
                    prepared=config.prepared_statements,
                    probe_timeout=min(config.connect_timeout, config.pool_acquire_timeout),
                )
                created = await store.ensure_tables()
            except Exception as exc:
                raise DatabaseStartupError(
                    f"database {database.db_id!r} ({redact_dsn(database.dsn)}) is not usable: {exc}".strip()
                ) from exc
            if created:
                logger.info("created tables %s in database %s", ", ".join(created), database.db_id)
            # Registered after the pool, so it runs before the pool closes.
            stack.push_async_callback(store.drain)
            stores[database.db_id] = store
        app[DATABASES_KEY] = Databases(stores, config.default_db_id, config.default_db_explicit)
        yield


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
