"""The benchmark behind scripts/bench.py (whose docstring is the usage text), one job per module:

* settings: the constants every step shares: paths, the seeded data's shape, targets, thresholds, pool size;
* errors: BenchError, the failure of a step;
* machine: requirements (the pip/apt line for what is missing) and machine facts (CPUs, memory, versions);
* cpu: CPU accounting: where the machine's CPU time went while a load ran (server, PostgreSQL, other work);
* seeding: the data set: template sessions and runs through agno's PostgresDb, multiplied in SQL;
* servers: the AgentOS and agno-session-aio server processes, and one plain HTTP request;
* load: the endpoints and the load generators (wrk with a generated Lua script, else an aiohttp loop);
* rawpg: the raw PostgreSQL bound: the list and detail SQL in an aiopg loop;
* preflight: the checks before load: every endpoint answers its 2xx on every server;
* profiling: optional py-spy profiles of this service under the reads;
* report: the results tables and the performance targets judged;
* main: argument parsing and the run (seed, start, check, load, report), and the command line.

The throw-away database comes from devkit.postgres, the scaffolding shared with the tests.
"""

import sys

from .settings import REPO_ROOT

if str(REPO_ROOT) not in sys.path:  # the shared scaffolding (devkit/) sits at the repository's root
    sys.path.insert(0, str(REPO_ROOT))
