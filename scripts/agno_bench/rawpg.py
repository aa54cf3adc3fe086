"""The raw PostgreSQL bound: the list and detail SQL in an aiopg loop, the least a server must ask for."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import time
from collections import Counter
from typing import Any

from .errors import BenchError
from .load import LoadResult, summarise
from .servers import pinned
from .settings import BENCH_SCRIPT, PY, RAW_PG_POOL, RUNS_TABLE, SESSION_PREFIX, SESSIONS_TABLE

RAW_SESSION_COLUMNS = ("session_id, session_type, agent_id, team_id, workflow_id, user_id, session_data, agent_data,"
                       " team_data, workflow_data, metadata, summary, created_at, updated_at")  # fmt: skip
# The least a server must ask PostgreSQL for, each in one round trip.
RAW_SQL = {
    # GET /sessions?limit=20: the total and the first page, newest first.
    "list": f"SELECT (SELECT count(*) FROM {SESSIONS_TABLE}) AS total_count, p.* FROM (SELECT {RAW_SESSION_COLUMNS}"
            f" FROM {SESSIONS_TABLE} ORDER BY created_at DESC LIMIT 20 OFFSET 0) p",
    # GET /sessions/{id}: the row and its runs in storage order.
    "detail": f"SELECT {RAW_SESSION_COLUMNS}, (SELECT json_agg(r.run_data ORDER BY r.run_index, r.created_at, r.run_id)"
              f" FROM {RUNS_TABLE} r WHERE r.session_id = s.session_id) AS runs"
              f" FROM {SESSIONS_TABLE} s WHERE s.session_id = %(id)s",
}  # fmt: skip


async def raw_pg_load(job: dict[str, Any]) -> dict[str, Any]:
    """`concurrency` workers over an aiopg pool of RAW_PG_POOL connections; JSONB decoded with orjson as ours does."""
    import aiopg
    import orjson
    import psycopg2.extras

    psycopg2.extras.register_default_jsonb(globally=True, loads=orjson.loads)
    psycopg2.extras.register_default_json(globally=True, loads=orjson.loads)
    statement = RAW_SQL[job["mode"]]
    latencies: list[float] = []
    errors = 0

    async def worker(pool: Any, deadline: float) -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            params = {"id": f"{SESSION_PREFIX}{random.randrange(job['existing']):07d}"}
            started = time.perf_counter()
            try:
                async with pool.acquire() as conn, conn.cursor() as cur:
                    await cur.execute(statement, params)
                    await cur.fetchall()
            except Exception:  # counted, never fatal: the figure is a bound, not a test
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)

    async with aiopg.create_pool(job["dsn"], minsize=RAW_PG_POOL, maxsize=RAW_PG_POOL, enable_json=False,
                                 enable_hstore=False, enable_uuid=False) as pool:  # fmt: skip
        started = time.monotonic()
        deadline = started + job["duration"]
        await asyncio.gather(*(worker(pool, deadline) for _ in range(job["concurrency"])))
        seconds = time.monotonic() - started
    return summarise(latencies, Counter({200: len(latencies)}), errors, seconds,
                     f"aiopg pool of {RAW_PG_POOL}, per request: {statement}")


def run_raw_pg(dsn: str, mode: str, existing: int, *, concurrency: int, duration: int,
               cpus: set[int] | None) -> LoadResult:  # fmt: skip
    """The raw loop in its own process, pinned where the servers run."""
    job = {"dsn": dsn, "mode": mode, "existing": existing, "concurrency": concurrency, "duration": duration}
    out = subprocess.run([PY, str(BENCH_SCRIPT), "_rawpg", json.dumps(job)], capture_output=True, text=True,
                         timeout=duration + 60, preexec_fn=pinned(cpus))  # fmt: skip
    if out.returncode != 0:
        raise BenchError(f"raw PostgreSQL loop failed ({mode}):\n{out.stderr[-3000:]}")
    return LoadResult(**json.loads(out.stdout.strip().splitlines()[-1]))
