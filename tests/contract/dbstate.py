"""Snapshot, restore and dump the tables the /sessions API reads and writes.

The seeded state is copied once into schema ``contract_snap``; ``restore()`` puts it back
(TRUNCATE + INSERT in one transaction, FK triggers off), which takes a few milliseconds.
``dump()`` returns every row of the tables, JSONB columns parsed, with JSON ``null`` and SQL NULL
kept apart (``JSON_NULL`` versus ``None``) because the two are different states for agno.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

TABLES = ("agno_sessions", "agno_runs")
PRIMARY_KEYS = {"agno_sessions": "session_id", "agno_runs": "run_id"}
SNAP_SCHEMA = "contract_snap"

JSON_NULL = "<json null>"


class DbState:
    def __init__(self, dsn: str) -> None:
        import psycopg

        self.conn = psycopg.connect(dsn, autocommit=True)
        self.conn.execute("SET lock_timeout = '10s'")
        self._columns: Dict[str, List[tuple]] = {}
        for table in TABLES:
            rows = self.conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'ai' AND table_name = %s ORDER BY ordinal_position",
                (table,),
            ).fetchall()
            if not rows:
                raise RuntimeError(f"table ai.{table} does not exist")
            self._columns[table] = rows

    def close(self) -> None:
        self.conn.close()

    def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    def snapshot(self) -> None:
        with self.conn.transaction():
            self.conn.execute(f"DROP SCHEMA IF EXISTS {SNAP_SCHEMA} CASCADE")
            self.conn.execute(f"CREATE SCHEMA {SNAP_SCHEMA}")
            for table in TABLES:
                self.conn.execute(f"CREATE TABLE {SNAP_SCHEMA}.{table} AS TABLE ai.{table}")

    def restore(self) -> None:
        with self.conn.transaction():
            self.conn.execute("SET LOCAL session_replication_role = replica")
            self.conn.execute("TRUNCATE " + ", ".join(f"ai.{t}" for t in TABLES))
            for table in TABLES:
                self.conn.execute(f"INSERT INTO ai.{table} SELECT * FROM {SNAP_SCHEMA}.{table}")

    def dump(self) -> Dict[str, List[Dict[str, Any]]]:
        out: Dict[str, List[Dict[str, Any]]] = {}
        for table in TABLES:
            cols = self._columns[table]
            select = ", ".join(
                f'"{name}"::text AS "{name}"' if dtype in ("jsonb", "json") else f'"{name}"' for name, dtype in cols
            )
            rows = self.conn.execute(
                f"SELECT {select} FROM ai.{table} ORDER BY {PRIMARY_KEYS[table]}"
            ).fetchall()
            items = []
            for row in rows:
                item: Dict[str, Any] = {}
                for (name, dtype), value in zip(cols, row):
                    if dtype in ("jsonb", "json") and value is not None:
                        value = json.loads(value)
                        if value is None:
                            value = JSON_NULL
                    item[name] = value
                items.append(item)
            out[table] = items
        return out

    def tie_groups(self, expr: str) -> Dict[str, str]:
        """``{session_id: <text of expr>}`` for every seeded session (tie groups of a sort)."""
        rows = self.conn.execute(
            f"SELECT session_id, ({expr})::text FROM {SNAP_SCHEMA}.agno_sessions"
        ).fetchall()
        return {sid: ("<NULL>" if key is None else key) for sid, key in rows}
