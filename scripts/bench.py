#!/usr/bin/env python3
"""Load-test agno-session-aio against the real Agno AgentOS 3.1.10 on one fresh PostgreSQL database.

What it does, in order (every step has a time limit; Ctrl-C still cleans up):

1. creates a throw-away database on the server named by --dsn;
2. seeds --sessions sessions with --runs runs each: a few dozen template sessions and runs are written
   through agno's own ``PostgresDb`` (``upsert_sessions`` + ``upsert_run``), then multiplied with one
   ``INSERT ... SELECT`` per table that rewrites ids, owners and timestamps (agno's rows, agno's JSON);
3. starts AgentOS (uvicorn, 1 worker) and this service (1 process) on that database, both pinned to CPU 0;
   the load generator (wrk, else an aiohttp loop in its own process) is pinned to CPU 1; PostgreSQL floats;
4. checks that both servers answer 2xx on one request of every endpoint, then loads each endpoint on each
   server in turn: the reads, a raw aiopg loop running the list and detail SQL (the database's own bound),
   then the writes. Each run books the machine's CPU time to the server, PostgreSQL, the load generator,
   the kernel and other work; a run that other work disturbed (>10 % of the machine) is repeated;
5. prints a table, writes --json, stops both servers and drops the database.

Usage (defaults shown):

    python scripts/bench.py --sessions 2000 --runs 3 --concurrency 32 --duration 8 \\
        --dsn postgresql://postgres@127.0.0.1:5432/postgres --json /tmp/bench.json

Requirements: ``pip install -e '.[test]'`` (agno==3.1.10, fastapi, uvicorn, sqlalchemy, psycopg[binary],
openai, python-multipart; aiohttp/aiopg/psycopg2 come with the service) and ``apt-get install -y wrk``
(without wrk an aiohttp client is used, which saturates sooner). ``--profile DIR`` also needs
``pip install py-spy``.
"""

import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
if str(SCRIPTS) not in sys.path:  # the agno_bench package sits beside this script
    sys.path.insert(0, str(SCRIPTS))

from agno_bench.main import cli  # noqa: E402

if __name__ == "__main__":
    cli()
