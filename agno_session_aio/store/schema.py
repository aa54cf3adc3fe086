"""agno's tables in one database: their quoted names, and creating them where missing (never altering)."""

from __future__ import annotations

import datetime

from . import sql
from .connections import Cursor


def quote_identifier(name: str) -> str:
    # Names are whitelisted by Config (plain identifiers), quoting keeps their case.
    return '"' + name.replace('"', '""') + '"'


class TableNames:
    """Quoted identifiers of one database's tables, substituted into sql.py templates once."""

    def __init__(self, schema: str, session_table: str, runs_table: str) -> None:
        self.schema_name = schema
        self.session_table = session_table
        self.runs_table = runs_table
        self._names = {
            "schema": quote_identifier(schema),
            "sessions": f"{quote_identifier(schema)}.{quote_identifier(session_table)}",
            "runs": f"{quote_identifier(schema)}.{quote_identifier(runs_table)}",
            "sessions_pkey": quote_identifier(f"{session_table}_pkey"),
            "runs_pkey": quote_identifier(f"{runs_table}_pkey"),
            "runs_fkey": quote_identifier(f"{runs_table}_session_id_fkey"),
            "idx_prefix_sessions": f"idx_{session_table}",
            "idx_prefix_runs": f"idx_{runs_table}",
            # NULL until a sessions table with agno 2.x's runs column is found (legacy_runs).
            "legacy_runs": "NULL",
            "legacy_column": "",
            "legacy_for_name": "NULL",
        }
        self.distributed = False

    @property
    def distributed(self) -> bool:
        """Whether the sessions table is sharded (Citus): list pages then find names in a second statement."""
        return self._names["name_source"] == sql.NO_NAME_SOURCE

    @distributed.setter
    def distributed(self, sharded: bool) -> None:
        self._names["name_source"] = sql.NO_NAME_SOURCE if sharded else self.render(sql.NAME_SOURCE_JOIN)

    @property
    def legacy_runs(self) -> bool:
        """Whether the sessions table has agno 2.x's `runs` column (set once the database is bootstrapped)."""
        return self._names["legacy_runs"] != "NULL"

    @legacy_runs.setter
    def legacy_runs(self, present: bool) -> None:
        # Unqualified: the rows come from the sessions table, or from a write's RETURNING * (sql.RENAME_SESSION).
        self._names["legacy_runs"] = "runs" if present else "NULL"
        self._names["legacy_column"] = ", runs" if present else ""
        self._names["legacy_for_name"] = sql.LEGACY_FOR_NAME if present else "NULL"

    def qualified(self, table: str) -> str:
        """`"schema"."table"`, as to_regclass reads it."""
        return f"{self._names['schema']}.{quote_identifier(table)}"

    def render(self, template: str, **extra: str) -> str:
        """The statement with table names (and any extra SQL fragments) filled in."""
        return template.format(**self._names, **extra)


async def has_legacy_runs(cur: Cursor, tables: TableNames) -> bool:
    """Whether the sessions table has agno 2.x's `runs` column, which AgentOS 3.1.10 merges with agno_runs."""
    await cur.execute(sql.HAS_LEGACY_RUNS, {"schema": tables.schema_name, "table": tables.session_table})
    (present,) = await cur.fetchone()
    return bool(present)


async def is_distributed(cur: Cursor, tables: TableNames) -> bool:
    """Whether the sessions table is a Citus distributed table (docs/scaling.md)."""
    await cur.execute(sql.HAS_CITUS)
    (citus,) = await cur.fetchone()
    if not citus:
        return False
    await cur.execute(sql.IS_DISTRIBUTED, {"name": tables.qualified(tables.session_table)})
    (distributed,) = await cur.fetchone()
    return bool(distributed)


async def table_exists(cur: Cursor, tables: TableNames, table: str) -> bool:
    await cur.execute(sql.TABLE_EXISTS, {"name": tables.qualified(table)})
    (exists,) = await cur.fetchone()
    return bool(exists)


async def create_missing_tables(cur: Cursor, tables: TableNames) -> list[str]:
    """Within the caller's transaction: the schema, tables, indexes and version rows agno would create.

    Returns the tables created. Looks first, so a role without CREATE can serve tables that exist.
    """
    await cur.execute(sql.MISSING_OBJECTS, {
        "schema": tables.schema_name,
        "sessions": tables.qualified(tables.session_table),
        "runs": tables.qualified(tables.runs_table),
    })
    if not any(await cur.fetchone()):
        return []
    await cur.execute(sql.LOCK_BOOTSTRAP)
    await cur.execute(tables.render(sql.CREATE_SCHEMA))
    created = []
    for table, create, indexes in (
        (tables.session_table, sql.CREATE_SESSIONS_TABLE, sql.CREATE_SESSIONS_INDEXES),
        (tables.runs_table, sql.CREATE_RUNS_TABLE, sql.CREATE_RUNS_INDEXES),
    ):
        if await table_exists(cur, tables, table):
            continue
        await cur.execute(tables.render(create))
        for statement in indexes:
            await cur.execute(tables.render(statement))
        created.append(table)
    if created:
        await cur.execute(tables.render(sql.CREATE_SCHEMA_VERSIONS_TABLE))
        await cur.execute(tables.render(sql.CREATE_SCHEMA_VERSIONS_INDEX))
        now = datetime.datetime.now().isoformat()
        for table in created:
            await cur.execute(tables.render(sql.INSERT_SCHEMA_VERSION), {"table_name": table, "now": now})
    return created
