"""The statements of one request and their parameters, and their result rows as named records.

No I/O here: sessions.py runs what these functions build.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg2.extras

from .. import jsonutil
from ..records import Row, SessionChanges, SessionListRecord, SessionPage, SessionQuery, SessionWithRuns
from . import legacy, sql
from .schema import TableNames

# Columns agno names in its INSERT; they hold JSON null when unset, the rest stay SQL NULL (contract §2.2).
JSON_COLUMNS_WRITTEN = ("session_data", "agent_data", "team_data", "workflow_data", "metadata", "summary")


# One escape sequence of JSON text, so `\\u0000` (an escaped backslash, then "u0000") is never taken for NUL.
JSON_ESCAPE = re.compile(rb"\\(u0000|.)")


def strip_nul(text: str) -> str:
    """PostgreSQL rejects NUL in text and JSONB; agno strips it before writing, so do we."""
    return text.replace("\x00", "")


def has_nul(*values: str | None) -> bool:
    """Whether any value holds a NUL character, which no PostgreSQL text value can contain."""
    return any(value is not None and "\x00" in value for value in values)


def jsonb(value: Any) -> psycopg2.extras.Json:
    """A JSONB parameter, encoded once; None becomes the JSON literal null, as agno writes it (contract §2.2).

    NUL characters in strings are stripped, as agno does, from the encoded text: no walk of the value,
    however deep (params refuses a key holding NUL, so no two keys can merge here).
    """
    text = jsonutil.dumps(value)
    if b"\\u0000" in text:
        text = JSON_ESCAPE.sub(lambda escape: b"" if escape.group(1) == b"u0000" else escape.group(0), text)
    return psycopg2.extras.Json(text.decode(), dumps=lambda encoded: encoded)


def list_page(tables: TableNames, query: SessionQuery) -> tuple[str, dict[str, Any]]:
    """The one statement of a list page (count + items) and its parameters."""
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
    statement = tables.render(
        sql.SELECT_SESSIONS_PAGE,
        where=" AND ".join(where) or sql.FILTER_TRUE,
        order_by=order_by,
    )
    return statement, params


def session_page(records: Sequence[Sequence[Any]]) -> SessionPage:
    """SELECT_SESSIONS_PAGE's rows: the count on every row, an item on each but an empty page's."""
    total = records[0][0] if records else 0
    return SessionPage(items=[SessionListRecord._make(item) for _, item in records if item is not None], total_count=total)


def with_name_sources(page: SessionPage, rows: Sequence[Sequence[Any]]) -> SessionPage:
    """The page with the name sources SELECT_NAME_SOURCES found (a sharded database's second statement)."""
    found = {session_id: (has_source, run_input, content) for session_id, has_source, run_input, content in rows}
    items = [item if item.session_id not in found else
             item._replace(has_name_source=found[item.session_id][0], run_input=found[item.session_id][1],
                           first_user_content=found[item.session_id][2])
             for item in page.items]
    return SessionPage(items=items, total_count=page.total_count)


def with_merged_runs(page: SessionPage, table_runs: dict[str, list[Any]]) -> SessionPage:
    """The page with each legacy blob replaced by that session's merged runs (store/legacy.py)."""
    items = [item if item.legacy_runs is None else
             item._replace(legacy_runs=legacy.merged_runs(table_runs.get(item.session_id) or [], item.legacy_runs))
             for item in page.items]
    return SessionPage(items=items, total_count=page.total_count)


def rename(tables: TableNames, session_type: str | None, user_id: str | None) -> str:
    """RENAME_SESSION with the filters this request asks for."""
    return tables.render(
        sql.RENAME_SESSION,
        type_filter=sql.RENAME_TYPE_FILTER if session_type else "",
        user_filter=sql.RENAME_USER_FILTER if user_id is not None else "",
    )


def delete(tables: TableNames, user_id: str | None, *, bulk: bool) -> str:
    """DELETE_SESSIONS scoped to user_id when given; `bulk` also removes runs of ids with no session."""
    user_filter = sql.DELETE_USER_FILTER if user_id is not None else ""
    runs_filter = sql.DELETE_RUNS_OF_REQUESTED + user_filter if bulk else sql.DELETE_RUNS_OF_DELETED
    return tables.render(sql.DELETE_SESSIONS, user_filter=user_filter, runs_filter=runs_filter)


def new_session_params(values: Mapping[str, Any]) -> dict[str, Any]:
    """INSERT_SESSION's parameters for the columns writes.new_session_columns planned."""
    params = dict(values)
    for column in JSON_COLUMNS_WRITTEN:
        params[column] = jsonb(params[column]) if column in params else None
    params["now"] = int(time.time())
    return params


def update_params(changes: SessionChanges, session_id: str) -> dict[str, Any]:
    """UPDATE_SESSION[changes.session_type]'s parameters."""
    return {
        "session_id": session_id,
        "component_id": changes.component_id,
        "component_data": jsonb(changes.component_data),
        "session_data": jsonb(changes.session_data),
        "metadata": jsonb(changes.metadata),
        "summary": jsonb(changes.summary),
        "now": int(time.time()),
    }


def row(description: Sequence[Any] | None, record: Sequence[Any]) -> Row:
    """A plain row as a dict by column name."""
    return dict(zip((column.name for column in description or ()), record))


def session_with_runs(record: Sequence[Any]) -> SessionWithRuns:
    """A session selected with its runs as one array (sql.SESSION_WITH_RUNS), the legacy blob merged in."""
    (values,) = record
    runs = legacy.merged_runs(values[-2], values[-1])
    # A run stored as anything but an object cannot be rendered by any schema; it is skipped.
    return SessionWithRuns(dict(zip(sql.SESSION_FIELDS, values)), [run for run in runs if isinstance(run, dict)])
