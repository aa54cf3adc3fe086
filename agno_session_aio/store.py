"""SessionStore: runs sql.py statements on one aiopg pool; the only module that imports aiopg/psycopg2."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from typing import Any, Final

import aiopg
import psycopg2
import psycopg2.errors
import psycopg2.extras

from . import jsonutil, sql
from .errors import ApiError, DatabaseBusy, DatabaseUnavailable
from .connections import ConnectionPool, Lease
from .prepared import PreparedStatements, StatementCache, statement
from .records import Row, SessionListRecord, SessionPage, SessionQuery

logger = logging.getLogger(__name__)

# psycopg2 reports a missing table or schema with these SQLSTATEs.
UNDEFINED_TABLE: Final = "42P01"
UNDEFINED_SCHEMA: Final = "3F000"


def _strip_nul(value: Any) -> Any:
    """PostgreSQL rejects \\u0000 in JSONB and text; agno strips it before writing, so do we."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_strip_nul(k): _strip_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_nul(v) for v in value]
    return value


def _jsonb(value: Any) -> psycopg2.extras.Json:
    """A JSONB parameter; None becomes the JSON literal null, as agno writes it (contract §2.2)."""
    return psycopg2.extras.Json(_strip_nul(value), dumps=lambda v: jsonutil.dumps(v).decode())


def _quote_identifier(name: str) -> str:
    # Names are whitelisted by Config (plain identifiers), quoting keeps their case.
    return '"' + name.replace('"', '""') + '"'


class TableNames:
    """Quoted identifiers of one database's tables, substituted into sql.py templates once."""

    def __init__(self, schema: str, session_table: str, runs_table: str) -> None:
        self.schema_name = schema
        self.session_table = session_table
        self.runs_table = runs_table
        self._names = {
            "schema": _quote_identifier(schema),
            "sessions": f"{_quote_identifier(schema)}.{_quote_identifier(session_table)}",
            "runs": f"{_quote_identifier(schema)}.{_quote_identifier(runs_table)}",
            "sessions_pkey": _quote_identifier(f"{session_table}_pkey"),
            "runs_pkey": _quote_identifier(f"{runs_table}_pkey"),
            "runs_fkey": _quote_identifier(f"{runs_table}_session_id_fkey"),
            "idx_prefix_sessions": f"idx_{session_table}",
            "idx_prefix_runs": f"idx_{runs_table}",
        }

    def qualified(self, table: str) -> str:
        """`"schema"."table"`, as to_regclass reads it."""
        return f"{self._names['schema']}.{_quote_identifier(table)}"

    def render(self, template: str, **extra: str) -> str:
        """The statement with table names (and any extra SQL fragments) filled in."""
        return template.format(**self._names, **extra)


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
    ) -> None:
        self.db_id = db_id
        self.pool = pool
        self.tables = tables
        self.acquire_timeout = acquire_timeout
        self.observe = observe
        self.cancel_dsn = cancel_dsn
        self._cancellations: set[asyncio.Task[None]] = set()
        # Requests waiting for a free connection right now (a metrics gauge).
        self.waiting = 0
        self._select_session = tables.render(sql.SELECT_SESSION)
        self._select_session_for_user = tables.render(sql.SELECT_SESSION_FOR_USER)
        self._prepared = PreparedStatements(prepared)
        self._statements = StatementCache()
        self._select_with_runs = statement(tables.render(sql.SELECT_SESSION_WITH_RUNS))
        self._select_with_runs_for_user = statement(tables.render(sql.SELECT_SESSION_WITH_RUNS_FOR_USER))
        self._name_source = tables.render(sql.NAME_SOURCE)
        self._insert_session = statement(tables.render(sql.INSERT_SESSION))
        self._update_session = {kind: tables.render(stmt) for kind, stmt in sql.UPDATE_SESSION.items()}

    @contextlib.asynccontextmanager
    async def _cursor(self, operation: str) -> AsyncIterator[aiopg.Cursor]:
        """A cursor on a pooled connection, timed as `operation`.

        An exhausted pool answers 503 after acquire_timeout instead of hanging the request;
        a database that cannot be reached answers 503 too.
        """
        lease = self.pool.acquire_nowait() or await self._wait_for_connection()
        started = time.perf_counter()
        backend_pid = lease.conn.raw.get_backend_pid()
        try:
            yield lease.cursor
        except asyncio.CancelledError:
            # aiopg turns PostgreSQL's QueryCanceled (statement_timeout) into CancelledError
            # (aiopg/connection.py: _poll); only a task nobody asked to cancel can have got it that way.
            task = asyncio.current_task()
            if task is not None and task.cancelling() == 0:
                raise ApiError(504, "Database query timed out") from None
            # The request was cancelled (timeout, client gone, shutdown): aiopg closes the socket, but
            # PostgreSQL only notices when it next writes, so stop the query on the server as well.
            self._cancel_backend(backend_pid)
            raise
        except psycopg2.OperationalError as exc:
            logger.warning("database %s failed mid-request: %s", self.db_id, exc)
            raise DatabaseUnavailable(self.db_id) from exc
        finally:
            self.pool.release(lease)
            if self.observe is not None:
                self.observe(self.db_id, operation, time.perf_counter() - started)

    async def _wait_for_connection(self) -> Lease:
        self.waiting += 1
        try:
            async with asyncio.timeout(self.acquire_timeout):
                return await self.pool.acquire()
        except TimeoutError as exc:
            logger.warning("database %s: no free connection within %ss", self.db_id, self.acquire_timeout)
            raise DatabaseBusy(self.db_id) from exc
        except (psycopg2.OperationalError, OSError) as exc:
            logger.warning("database %s unavailable: %s", self.db_id, exc)
            raise DatabaseUnavailable(self.db_id) from exc
        finally:
            self.waiting -= 1

    def _cancel_backend(self, pid: int) -> None:
        if self.cancel_dsn is None:
            return
        task = asyncio.get_running_loop().create_task(self._run_cancel(pid))
        self._cancellations.add(task)
        task.add_done_callback(self._cancellations.discard)

    async def _run_cancel(self, pid: int) -> None:
        # Its own short-lived connection: the pool may be exhausted, which is when this matters most.
        try:
            async with aiopg.connect(self.cancel_dsn, timeout=5) as conn, conn.cursor() as cur:
                await cur.execute(sql.CANCEL_BACKEND, {"pid": pid})
        except (psycopg2.Error, OSError, TimeoutError) as exc:
            logger.warning("database %s: could not cancel backend %s: %s", self.db_id, pid, exc)

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
        """Create the schema, tables, indexes and version rows agno would, where missing; never alter."""
        created = []
        async with self._cursor("bootstrap") as cur, _transaction(cur):
            # Look first: a role without CREATE can serve tables that already exist.
            await cur.execute(sql.MISSING_OBJECTS, {
                "schema": self.tables.schema_name,
                "sessions": self.tables.qualified(self.tables.session_table),
                "runs": self.tables.qualified(self.tables.runs_table),
            })
            if not any(await cur.fetchone()):
                return []
            await cur.execute(sql.LOCK_BOOTSTRAP)
            await cur.execute(self.tables.render(sql.CREATE_SCHEMA))
            for table, create, indexes in (
                (self.tables.session_table, sql.CREATE_SESSIONS_TABLE, sql.CREATE_SESSIONS_INDEXES),
                (self.tables.runs_table, sql.CREATE_RUNS_TABLE, sql.CREATE_RUNS_INDEXES),
            ):
                await cur.execute(sql.TABLE_EXISTS, {"name": self.tables.qualified(table)})
                (exists,) = await cur.fetchone()
                if exists:
                    continue
                await cur.execute(self.tables.render(create))
                for statement in indexes:
                    await cur.execute(self.tables.render(statement))
                created.append(table)
            if created:
                await cur.execute(self.tables.render(sql.CREATE_SCHEMA_VERSIONS_TABLE))
                await cur.execute(self.tables.render(sql.CREATE_SCHEMA_VERSIONS_INDEX))
                now = datetime.datetime.now().isoformat()
                for table in created:
                    await cur.execute(
                        self.tables.render(sql.INSERT_SCHEMA_VERSION), {"table_name": table, "now": now}
                    )
        return created

    async def has_table(self, table: str) -> bool:
        """Whether `table` exists in this database's schema (for the `table` query parameter)."""
        async with self._cursor("has_table") as cur:
            await cur.execute(sql.TABLE_EXISTS, {"name": self.tables.qualified(table)})
            (exists,) = await cur.fetchone()
        return bool(exists)

    # --- reads -------------------------------------------------------------

    def list_statement(self, query: SessionQuery) -> tuple[str, dict[str, Any]]:
        """The one statement of a list page (count + rows) and its parameters."""
        where = []
        params: dict[str, Any] = {"limit": query.limit, "offset": min((query.page - 1) * query.limit, sql.BIGINT_MAX)}
        if query.user_id is not None:
            where.append(sql.FILTER_USER_ID)
            params["user_id"] = query.user_id
        if query.component_id is not None:
            by_type = sql.FILTER_COMPONENT_BY_TYPE
            where.append(by_type[query.session_type] if query.session_type else sql.FILTER_COMPONENT_ANY)
            params["component_id"] = query.component_id
        if query.session_name is not None:
            where.append(sql.FILTER_SESSION_NAME)
            params["session_name"] = query.session_name
        if query.session_type is not None:
            where.append(sql.FILTER_SESSION_TYPE)
            params["session_type"] = query.session_type
        order_by = ""
        if query.sort_by in sql.SORT_EXPRESSIONS:
            direction = "ASC" if query.sort_order == "asc" else "DESC"
            order_by = f" ORDER BY {sql.SORT_EXPRESSIONS[query.sort_by]} {direction}"
        statement = self.tables.render(
            sql.SELECT_SESSIONS_PAGE,
            where=" AND ".join(where) or sql.FILTER_TRUE,
            order_by=order_by,
            name_source=self._name_source,
        )
        return statement, params

    async def list_sessions(self, query: SessionQuery) -> SessionPage:
        """One page of list items (with what derived names need from runs) and the total count."""
        if _has_nul(query.user_id, query.component_id, query.session_name):
            # PostgreSQL text cannot hold NUL, so such a filter matches nothing (agno answers 500).
            return SessionPage(items=[], total_count=0)
        statement, params = self.list_statement(query)
        try:
            async with self._cursor("list_sessions") as cur:
                # Planned for this page's size and offset (prepared.statement says why).
                planned_for = {"limit": params["limit"], "offset": params["offset"]}
                await self._prepared.execute(cur, self._statements.get(statement, planned_for) or statement, params)
                records = await cur.fetchall()
        except psycopg2.errors.UndefinedTable:
            # agno answers an empty page when the session table does not exist (contract §4.1).
            return SessionPage(items=[], total_count=0)
        total = records[0][0] if records else 0
        items = [SessionListRecord._make(item) for _, item in records if item is not None]
        return SessionPage(items=items, total_count=total)

    async def get_session_with_runs(self, session_id: str, user_id: str | None) -> tuple[Row, list[Any]] | None:
        """The session row (optionally owned by user_id) and its runs in storage order, in one round trip."""
        if _has_nul(session_id, user_id):
            return None
        async with self._cursor("get_session_with_runs") as cur:
            if user_id is None:
                await self._prepared.execute(cur, self._select_with_runs, {"session_id": session_id})
            else:
                await self._prepared.execute(
                    cur, self._select_with_runs_for_user, {"session_id": session_id, "user_id": user_id}
                )
            record = await cur.fetchone()
            return _session_and_runs(record) if record is not None else None

    # --- writes ------------------------------------------------------------

    async def create_session(self, values: Mapping[str, Any]) -> Row | None:
        """Insert a new session; None when the id is taken (the caller answers 409)."""
        params = dict(values)
        for column in ("session_data", "agent_data", "team_data", "workflow_data", "metadata", "summary"):
            # Columns agno names in its INSERT hold JSON null; the rest stay SQL NULL (contract §2.2).
            if column in params:
                params[column] = _jsonb(params[column])
            else:
                params[column] = None
        params["now"] = int(time.time())
        async with self._cursor("create_session") as cur:
            await self._prepared.execute(cur, self._insert_session, params)
            record = await cur.fetchone()
            return _row(cur, record) if record is not None else None

    async def rename_session(
        self, session_id: str, name: str, session_type: str | None, user_id: str | None
    ) -> tuple[Row, list[Any]] | None:
        """Set session_data.session_name in one statement; rename never touches updated_at."""
        if _has_nul(session_id, user_id):
            return None
        statement = self.tables.render(
            sql.RENAME_SESSION,
            type_filter=sql.RENAME_TYPE_FILTER if session_type else "",
            user_filter=sql.RENAME_USER_FILTER if user_id is not None else "",
        )
        params = {"session_id": session_id, "name": _strip_nul(name), "session_type": session_type, "user_id": user_id}
        async with self._cursor("rename_session") as cur:
            await self._prepared.execute(cur, self._statements.get(statement) or statement, params)
            record = await cur.fetchone()
            return _session_and_runs(record) if record is not None else None

    async def update_session(
        self, session_id: str, user_id: str | None, apply: Callable[[Row], dict[str, Any]]
    ) -> tuple[Row, list[Any], str] | None:
        """Read-modify-write under a row lock, so concurrent PATCHes never lose each other's fields.

        `apply(row)` returns the session_type to save the row as and the new column values; that type
        comes back with the updated row and its runs.
        """
        if _has_nul(session_id, user_id):
            return None
        async with self._cursor("update_session") as cur, _transaction(cur):
            lock = " FOR UPDATE"
            if user_id is None:
                await cur.execute(self._select_session + lock, {"session_id": session_id})
            else:
                await cur.execute(self._select_session_for_user + lock, {"session_id": session_id, "user_id": user_id})
            record = await cur.fetchone()
            if record is None:
                return None
            changes = apply(_row(cur, record))
            loaded_as = changes.pop("session_type")
            statement = self._update_session[loaded_as]
            params = {key: value if key == "component_id" else _jsonb(value) for key, value in changes.items()}
            params.update(session_id=session_id, now=int(time.time()))
            await cur.execute(statement, params)
            row, runs = _session_and_runs(await cur.fetchone())
            return row, runs, loaded_as

    async def delete_sessions(self, session_ids: Iterable[str], user_id: str | None, *, bulk: bool = False) -> int:
        """Delete sessions (scoped to user_id when given) and their runs in one transaction.

        A bulk delete, like agno's, also removes runs filed under every requested id (scoped to
        user_id), even where no session row was deleted (contract §2.7).
        """
        ids = [session_id for session_id in dict.fromkeys(session_ids) if "\x00" not in session_id]
        if not ids or _has_nul(user_id):
            return 0
        params = {"session_ids": ids, "user_id": user_id}
        scoped = user_id is not None
        async with self._cursor("delete_sessions") as cur, _transaction(cur):
            await cur.execute(self.tables.render(sql.DELETE_SESSIONS_FOR_USER if scoped else sql.DELETE_SESSIONS), params)
            deleted = [session_id for (session_id,) in await cur.fetchall()]
            if bulk:
                runs = sql.DELETE_RUNS_OF_SESSIONS_FOR_USER if scoped else sql.DELETE_RUNS_OF_SESSIONS
                await cur.execute(self.tables.render(runs), params)
            elif deleted:
                # The foreign key cascades too; this also covers tables created without it.
                await cur.execute(self.tables.render(sql.DELETE_RUNS_OF_SESSIONS), {"session_ids": deleted})
        return len(deleted)


@contextlib.asynccontextmanager
async def _transaction(cur: aiopg.Cursor) -> AsyncIterator[None]:
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


def _row(cur: aiopg.Cursor, record: Sequence[Any]) -> Row:
    return dict(zip((column.name for column in cur.description or ()), record))


def _session_and_runs(record: Sequence[Any]) -> tuple[Row, list[Any]]:
    """A session selected with its runs as one array (sql.SESSION_WITH_RUNS), as a row and a run list."""
    (values,) = record
    # A run stored as anything but an object cannot be rendered by any schema; it is skipped.
    return dict(zip(sql.SESSION_FIELDS, values)), [run for run in values[-1] if isinstance(run, dict)]


def _has_nul(*values: str | None) -> bool:
    """Whether any value holds a NUL character, which no PostgreSQL text value can contain."""
    return any(value is not None and "\x00" in value for value in values)


async def _decode_json_with_jsonutil(conn: aiopg.Connection) -> None:
    # Per connection, so nothing else in the process that uses psycopg2 is affected.
    psycopg2.extras.register_default_jsonb(conn.raw, loads=jsonutil.loads)
    psycopg2.extras.register_default_json(conn.raw, loads=jsonutil.loads)


@contextlib.asynccontextmanager
async def open_pool(
    dsn: str, *, options: str, minsize: int, maxsize: int, timeout: float
) -> AsyncIterator[ConnectionPool]:
    """A connection pool opened to `minsize`; JSON decodes through jsonutil."""
    pool = ConnectionPool(
        dsn,
        minsize=minsize,
        maxsize=maxsize,
        connect_timeout=timeout,
        options=options,
        on_connect=_decode_json_with_jsonutil,
    )
    try:
        await pool.open()
        yield pool
    finally:
        await pool.close()
