"""Settings: the constants every step shares: paths, the seeded data's shape, the performance targets and
thresholds, the connection pool size, timeouts and the interpreter the child processes run."""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
# The entry point: the aiohttp load and the raw PostgreSQL loop run it again as `bench.py _load|_rawpg JOB`.
BENCH_SCRIPT = REPO_ROOT / "scripts" / "bench.py"

# The real AgentOS, as the contract suite starts it (one uvicorn worker, telemetry off).
AGENTOS_LAUNCHER = REPO_ROOT / "devkit" / "agentos_app.py"
SCHEMA = "ai"
SESSIONS_TABLE = f"{SCHEMA}.agno_sessions"
RUNS_TABLE = f"{SCHEMA}.agno_runs"
T0 = 1_757_088_129  # 2025-09-05T16:02:09Z; seeded sessions are 30 s apart from here
SESSION_PREFIX = "bench-"
TEMPLATE_PREFIX = "tmpl-"
MAX_TEMPLATES = 40
# Owners get ~200 sessions each at any size, so the filtered page (page 3 of 20, type=agent) is never empty.
SESSIONS_PER_USER = 200
# Our service's default AGNO_PG_POOL_MAX; the raw PostgreSQL loop uses the same number of connections.
RAW_PG_POOL = 10
WARMUP_SECONDS = 1
# The performance targets (docs/performance.md): ours/AgentOS req/s on the reads (floor, aim) and writes
# (aim), and our service's CPU milliseconds per request.
READ_ENDPOINTS = ("list", "detail", "runs")
WRITE_ENDPOINTS = ("rename", "create", "delete")
RATIO_FLOOR, RATIO_AIM = 12, 20
SERVICE_CPU_BUDGET_MS = {"list": 1.0, "detail": 0.30, "runs": 0.30}
# Runs during which other work used more than this share of the machine are repeated (--retries).
NOISE_LIMIT = 0.10
SERVER_START_TIMEOUT = 90.0
PY = sys.executable  # the real interpreter, never a pyenv shim, so pids and RSS are the server's own
