"""SessionStore: one database's sessions, each operation one checked-out connection and its statements."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any, Final, TypeVar

import aiopg
import attrs
import psycopg2
import psycopg2.errors

from ..errors import DatabaseBusy, DatabaseTimedOut, DatabaseUnavailable, ValueRefused
from ..records import PatchedSession, Row, SessionChanges, SessionPage, SessionQuery, SessionWithRuns
from . import queries, schema, sql
from .connections import ConnectionPool, Cursor, Lease
from .prepared import PreparedStatements, StatementCache, statement
from .replica import ReadReplica
from .schema import TableNames

logger = logging.getLogger(__name__)

# SQLSTATE classes of errors the request's own values cause: 22 data exception (an invalid or unstorable
# value) and 54 program limit exceeded (an index key too long, JSON nested too deep). psycopg2 files
# class 54 under OperationalError with real outages, so the class decides, not the exception type.
CLIENT_CAUSED_CLASSES: Final = frozenset({"22", "54"})

T = TypeVar("T")


@attrs.define(slots=True)
class _Watch:
    """One statement's request, and whether the probe found the server not answering."""

    task: asyncio.Task[Any]
    unresponsive: bool = False


@attrs.define(eq=False)
class _Server:
    """The primary or the read replica: its pool, the DSN side connections (probe, cancel) use, the probe."""

    pool: ConnectionPool
    dsn: str | None
    probe: asyncio.Task[bool] | None = None


class SessionStore:
    """Reads and writes agno's session and run tables in one database."""

    def __init__(
        self,
        db_id: str,
        pool: ConnectionPool,
        tables: TableNames,
        *,
        acquire_timeout: float = 5.0,
        observe: Callable[[str, str, float], None] | None = None,
        cancel_dsn: str | None = None,
        prepared: bool = True,
        probe_timeout: float = 5.0,
        replica: ReadReplica | None = None,
    ) -> None:
        self.db_id = db_id
        self.pool = pool
        self._primary = _Server(pool, cancel_dsn)
        self.replica = replica
        self._replica = _Server(replica.pool, replica.dsn) if replica is not None else None
        # When this process last wrote here (monotonic): reads go to the replica once it shows that write.
        self.last_write = -math.inf
        self.tables = tables
        self.acquire_timeout = acquire_timeout
        self.observe = observe
        self._cancellations: set[asyncio.Task[None]] = set()
        # False until agno's tables are known to exist here (a database down at start-up gets them when
        # it comes back: on the next request, or by the retry loop in databases.py).
        self.bootstrapped = False
        self._bootstrap: asyncio.Task[list[str]] | None = None
        self.probe_timeout = probe_timeout
        # Requests waiting for a free connection right now (a metrics gauge).
        self.waiting = 0
        self._prepared = PreparedStatements(prepared)
        self._statements = StatementCache()
        self._render_statements()

    def _render_statements(self) -> None:
        """The fixed statements, for the tables as known now (again once the legacy runs column is found)."""
        tables = self.tables
        self._select_session = tables.render(sql.SELECT_SESSION)
        self._select_session_for_user = tables.render(sql.SELECT_SESSION_FOR_USER)
        self._select_with_runs = statement(tables.render(sql.SELECT_SESSION_WITH_RUNS))
        self._select_with_runs_for_user = statement(tables.render(sql.SELECT_SESSION_WITH_RUNS_FOR_USER))
        self._insert_session = statement(tables.render(sql.INSERT_SESSION))
        self._update_session = {kind: tables.render(stmt) for kind, stmt in sql.UPDATE_SESSION.items()}
        self._select_name_sources = tables.render(sql.SELECT_NAME_SOURCES)
        self._select_runs_of_sessions = tables.render(sql.SELECT_RUNS_OF_SESSIONS)

    @contextlib.asynccontextmanager
    async def _cursor(self, operation: str, server: _Server | None = None) -> AsyncIterator[Cursor]:
        """A cursor on a pooled connection of the primary (or `server`), timed as `operation`.

        An exhausted pool answers 503 after acquire_timeout instead of hanging the request;
        a database that cannot be reached answers 503 too.
        """
        if not self.bootstrapped and operation != "bootstrap":
            await self.ensure_tables()
        server = server or self._primary
        lease = server.pool.acquire_nowait() or await self._wait_for_connection(server.pool)
        started = time.perf_counter()
        task = asyncio.current_task()
        assert task is not None
        # A statement still running after acquire_timeout gets the server probed; if the server does not
        # answer the probe either, the request is given up as 503 instead of waiting out its timeouts.
        watch = _Watch(task)
        watchdog = asyncio.get_running_loop().call_later(self.acquire_timeout, self._probe_for, watch, server)
        try:
            yield lease.cursor
        except asyncio.CancelledError:
            if watch.unresponsive:
                task.uncancel()
                logger.warning("database %s does not answer: gave up a statement after %.1fs",
                               self.db_id, time.perf_counter() - started)
                raise DatabaseUnavailable(self.db_id) from None
            # aiopg turns PostgreSQL's QueryCanceled (statement_timeout) into CancelledError
            # (aiopg/connection.py: _poll); only a task nobody asked to cancel can have got it that way.
            if task.cancelling() == 0:
                raise DatabaseTimedOut() from None
            # The request was cancelled (timeout, client gone, shutdown): aiopg closes the socket, but
            # PostgreSQL only notices when it next writes, so stop the query on the server as well.
            self._cancel_backend(server.dsn, *lease.cancel)
            raise
        except (psycopg2.DataError, psycopg2.OperationalError) as exc:
            if (exc.pgcode or "")[:2] in CLIENT_CAUSED_CLASSES:
                reason = exc.diag.message_primary or str(exc).strip()
                logger.info("database %s refused a request's values: %s", self.db_id, reason)
                raise ValueRefused(reason) from exc
            logger.warning("database %s failed mid-request: %s", self.db_id, exc)
            raise DatabaseUnavailable(self.db_id) from exc
        except TimeoutError as exc:
            # aiopg's own bound on a statement (the pool's operation_timeout, past statement_timeout).
            logger.warning("database %s left a statement unanswered past statement_timeout", self.db_id)
            raise DatabaseUnavailable(self.db_id) from exc
        except psycopg2.InterfaceError as exc:
            # The connection was closed under the statement: aiopg closes it when the server ends the
            # session (a shutdown), and with uvloop that can land between execute and fetch.
            logger.warning("database %s closed the connection mid-request: %s", self.db_id, exc)
            raise DatabaseUnavailable(self.db_id) from exc
        finally:
            watchdog.cancel()
            server.pool.release(lease)
            if self.observe is not None:
                self.observe(self.db_id, operation, time.perf_counter() - started)

    async def _wait_for_connection(self, pool: ConnectionPool) -> Lease:
        self.waiting += 1
        try:
            async with asyncio.timeout(self.acquire_timeout):
                return await pool.acquire()
        except TimeoutError as exc:
            logger.warning("database %s: no free connection within %ss", self.db_id, self.acquire_timeout)
            raise DatabaseBusy(self.db_id) from exc
        except (psycopg2.OperationalError, OSError) as exc:
            logger.warning("database %s unavailable: %s", self.db_id, exc)
            raise DatabaseUnavailable(self.db_id) from exc
        finally:
            self.waiting -= 1

    def _probe_for(self, watch: _Watch, server: _Server) -> None:
        """Probe the server (one probe at a time, shared) and give up `watch`'s request if it fails."""
        if server.probe is None or server.probe.done():
            server.probe = asyncio.get_running_loop().create_task(self._server_answers(server.dsn))

        def give_up_if_down(probe: asyncio.Task[bool]) -> None:
            if not probe.cancelled() and not probe.result() and not watch.task.done():
                watch.unresponsive = True
                watch.task.cancel()

        server.probe.add_done_callback(give_up_if_down)

    async def _server_answers(self, dsn: str | None) -> bool:
        """Whether a new connection gets `SELECT 1` answered within the probe bound."""
        if dsn is None:
            return True
        try:
            async with asyncio.timeout(self.probe_timeout):
                async with aiopg.connect(dsn, timeout=self.probe_timeout) as conn, conn.cursor() as cur:
                    await cur.execute(sql.PING)
                    await cur.fetchone()
        except (psycopg2.Error, OSError, TimeoutError):
            return False
        return True

    def _cancel_backend(self, dsn: str | None, statement: str, params: dict[str, Any]) -> None:
        if dsn is None:
            return
        task = asyncio.get_running_loop().create_task(self._run_cancel(dsn, statement, params))
        self._cancellations.add(task)
        task.add_done_callback(self._cancellations.discard)

    async def _run_cancel(self, dsn: str, statement: str, params: dict[str, Any]) -> None:
        # Its own short-lived connection: the pool may be exhausted, which is when this matters most.
        try:
            async with aiopg.connect(dsn, timeout=5) as conn, conn.cursor() as cur:
                await cur.execute(statement, params)
        except (psycopg2.Error, OSError, TimeoutError) as exc:
            logger.warning("database %s: could not cancel the statement of %s: %s", self.db_id, params, exc)

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait for pending backend cancellations before the pool closes."""
        if self._cancellations:
            await asyncio.wait(self._cancellations, timeout=timeout)

    async def ping(self) -> None:
        """One round trip, for readiness checks."""
        async with self._cursor("ping") as cur:
            await cur.execute(sql.PING)
            await cur.fetchone()

    # --- bootstrap ---------------------------------------------------------

    async def ensure_tables(self) -> list[str]:
        """Create the schema, tables, indexes and version rows agno would, where missing; never alter.

        Returns the tables created. Concurrent callers share one attempt; raises (a 503 for a request)
        while the database cannot be reached.
        """
        if self.bootstrapped:
            return []
        if self._bootstrap is None or self._bootstrap.done():
            self._bootstrap = asyncio.get_running_loop().create_task(self._create_missing_tables())
            # Retrieved here too, so an attempt whose requests all gave up leaves no "never retrieved" noise.
            self._bootstrap.add_done_callback(lambda attempt: attempt.cancelled() or attempt.exception())
        # Shielded: one request giving up (its timeout, its client gone) does not cancel the others' attempt.
        return await asyncio.shield(self._bootstrap)

    async def _create_missing_tables(self) -> list[str]:
        async with self._cursor("bootstrap") as cur, _transaction(cur):
            created = await schema.create_missing_tables(cur, self.tables)
            legacy = await schema.has_legacy_runs(cur, self.tables)
            distributed = await schema.is_distributed(cur, self.tables)
        if (legacy, distributed) != (self.tables.legacy_runs, self.tables.distributed):
            self.tables.legacy_runs, self.tables.distributed = legacy, distributed
            self._render_statements()
        if distributed:
            logger.info("database %s: the sessions table is distributed (Citus); list pages find derived names in "
                        "a second statement", self.db_id)
        if legacy:
            logger.info("database %s: agno 2.x layout, the sessions table keeps a runs column; its runs are read "
                        "merged with %s, as AgentOS does", self.db_id, self.tables.runs_table)
        else:
            logger.info("database %s: agno 3.x layout (runs in %s)", self.db_id, self.tables.runs_table)
        self.bootstrapped = True
        if created:
            self.last_write = time.monotonic()  # a read replica has no tables until it shows this
            logger.info("created tables %s in database %s", ", ".join(created), self.db_id)
        return created

    async def has_table(self, table: str) -> bool:
        """Whether `table` exists in this database's schema (for the `table` query parameter)."""
        async with self._cursor("has_table") as cur:
            return await schema.table_exists(cur, self.tables, table)

    # --- reads -------------------------------------------------------------

    async def list_sessions(self, query: SessionQuery) -> SessionPage:
        """One page of list items (with what derived names need from runs) and the total count."""
        if queries.has_nul(query.user_id, query.component_id, query.session_name):
            # PostgreSQL text cannot hold NUL, so such a filter matches nothing (agno answers 500).
            return SessionPage(items=[], total_count=0)
        try:
            try:
                return await self._list_page(query)
            except psycopg2.errors.FeatureNotSupported:
                # Citus refuses the one-server page statement: agno's tables were distributed after start-up.
                if self.tables.distributed or not await self._found_distributed():
                    raise
                return await self._list_page(query)
        except psycopg2.errors.UndefinedTable:
            # agno answers an empty page when the session table does not exist (contract §4.1).
            return SessionPage(items=[], total_count=0)

    async def _found_distributed(self) -> bool:
        """Whether the sessions table has been distributed since start-up; if so, the statements follow."""
        async with self._cursor("layout") as cur:
            distributed = await schema.is_distributed(cur, self.tables)
        if distributed and not self.tables.distributed:
            self.tables.distributed = True
            self._render_statements()
            logger.warning("database %s: the sessions table was distributed (Citus) after start-up; list pages now "
                           "find derived names in a second statement", self.db_id)
        return distributed

    async def _list_page(self, query: SessionQuery) -> SessionPage:
        text, params = queries.list_page(self.tables, query)
        # Planned for this page's size and offset (prepared.statement says why).
        planned_for = {"limit": params["limit"], "offset": params["offset"]}

        async def read(cur: Cursor) -> SessionPage:
            await self._prepared.execute(cur, self._statements.get(text, planned_for) or text, params)
            page = queries.session_page(await cur.fetchall())
            if self.tables.distributed:
                unnamed = [item.session_id for item in page.items if item.stored_name is None]
                if unnamed:
                    await cur.execute(self._select_name_sources, {"session_ids": unnamed})
                    page = queries.with_name_sources(page, await cur.fetchall())
            legacy_ids = [item.session_id for item in page.items if item.legacy_runs is not None]
            if legacy_ids:
                await cur.execute(self._select_runs_of_sessions, {"session_ids": legacy_ids})
                page = queries.with_merged_runs(page, dict(await cur.fetchall()))
            return page

        return await self._read("list_sessions", read)

    async def get_session_with_runs(self, session_id: str, user_id: str | None) -> SessionWithRuns | None:
        """The session row (optionally owned by user_id) and its runs in storage order, in one round trip."""
        if queries.has_nul(session_id, user_id):
            return None

        async def read(cur: Cursor) -> Any:
            if user_id is None:
                await self._prepared.execute(cur, self._select_with_runs, {"session_id": session_id})
            else:
                await self._prepared.execute(
                    cur, self._select_with_runs_for_user, {"session_id": session_id, "user_id": user_id}
                )
            return await cur.fetchone()

        record = await self._read("get_session_with_runs", read)
        return queries.session_with_runs(record) if record is not None else None

    async def _read(self, operation: str, read: Callable[[Cursor], Awaitable[T]]) -> T:
        """Run `read` on the read replica where it may answer (replica.py has the rule), else on the primary.

        A replica that fails the read has it answered by the primary: a read is safe to repeat.
        """
        replica, server = self.replica, self._replica
        if replica is None or server is None or not replica.usable(self.last_write):
            async with self._cursor(operation) as cur:
                return await read(cur)
        try:
            async with self._cursor(operation, server) as cur:
                result = await read(cur)
        except (DatabaseUnavailable, DatabaseBusy) as exc:
            logger.warning("database %s: the read replica failed a read (%s); the primary answers it", self.db_id,
                           " ".join(str(exc.__cause__ or exc).split()))
            replica.mark_stale()
            async with self._cursor(operation) as cur:
                return await read(cur)
        replica.reads += 1
        return result

    @contextlib.asynccontextmanager
    async def _writing(self, operation: str) -> AsyncIterator[Cursor]:
        """A primary cursor for a write; later reads wait for the replica to show it (even when it failed:
        its COMMIT may have landed)."""
        try:
            async with self._cursor(operation) as cur:
                yield cur
        finally:
            self.last_write = time.monotonic()

    async def session_exists(self, session_id: str, user_id: str) -> bool:
        """Whether `user_id` owns a session of this id (which 409 a scoped create answers)."""
        if queries.has_nul(session_id, user_id):
            return False
        async with self._cursor("session_exists") as cur:
            await cur.execute(self._select_session_for_user, {"session_id": session_id, "user_id": user_id})
            return await cur.fetchone() is not None

    # --- writes ------------------------------------------------------------

    async def create_session(self, values: Mapping[str, Any]) -> Row | None:
        """Insert a new session; None when the id is taken (the caller answers 409)."""
        async with self._writing("create_session") as cur:
            await self._prepared.execute(cur, self._insert_session, queries.new_session_params(values))
            record = await cur.fetchone()
            return queries.row(cur.description, record) if record is not None else None

    async def rename_session(
        self, session_id: str, name: str, session_type: str | None, user_id: str | None
    ) -> SessionWithRuns | None:
        """Set session_data.session_name in one statement; rename never touches updated_at."""
        if queries.has_nul(session_id, user_id):
            return None
        text = queries.rename(self.tables, session_type, user_id)
        params = {"session_id": session_id, "name": queries.strip_nul(name), "session_type": session_type,
                  "user_id": user_id}
        async with self._writing("rename_session") as cur:
            await self._prepared.execute(cur, self._statements.get(text) or text, params)
            record = await cur.fetchone()
        return queries.session_with_runs(record) if record is not None else None

    async def update_session(
        self, session_id: str, user_id: str | None, plan: Callable[[Row], SessionChanges]
    ) -> PatchedSession | None:
        """Read-modify-write under a row lock, so concurrent PATCHes never lose each other's fields.

        `plan(row)` says which type to save the locked row as and the columns to write.
        """
        if queries.has_nul(session_id, user_id):
            return None
        async with self._writing("update_session") as cur, _transaction(cur):
            lock = " FOR UPDATE"
            if user_id is None:
                await cur.execute(self._select_session + lock, {"session_id": session_id})
            else:
                await cur.execute(self._select_session_for_user + lock, {"session_id": session_id, "user_id": user_id})
            record = await cur.fetchone()
            if record is None:
                return None
            changes = plan(queries.row(cur.description, record))
            await cur.execute(self._update_session[changes.session_type], queries.update_params(changes, session_id))
            row, runs = queries.session_with_runs(await cur.fetchone())
            return PatchedSession(row, runs, changes.session_type)

    async def delete_sessions(self, session_ids: Iterable[str], user_id: str | None, *, bulk: bool = False) -> int:
        """Delete sessions (scoped to user_id when given) and their runs, in one statement.

        A bulk delete, like agno's, also removes runs filed under every requested id (scoped to
        user_id), even where no session row was deleted (contract §2.7).
        """
        ids = [session_id for session_id in dict.fromkeys(session_ids) if "\x00" not in session_id]
        if not ids or queries.has_nul(user_id):
            return 0
        text = queries.delete(self.tables, user_id, bulk=bulk)
        async with self._writing("delete_sessions") as cur:
            await self._prepared.execute(cur, self._statements.get(text) or text, {"session_ids": ids, "user_id": user_id})
            (deleted,) = await cur.fetchone()
        return int(deleted)


@contextlib.asynccontextmanager
async def _transaction(cur: Cursor) -> AsyncIterator[None]:
    """BEGIN ... COMMIT on the lease's cursor, ROLLBACK on any failure.

    Not aiopg's cursor.begin(): its bookkeeping stays "in a transaction" when COMMIT fails, which would
    refuse every later transaction on this reused cursor.
    """
    await cur.execute("BEGIN")
    try:
        yield
    except BaseException:
        if not cur.closed:
            with contextlib.suppress(psycopg2.Error):
                await cur.execute("ROLLBACK")
        raise
    await cur.execute("COMMIT")
