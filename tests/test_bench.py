"""scripts/bench.py still runs end to end: a tiny side-by-side run against the real AgentOS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def test_bench_prints_the_side_by_side_table(pg_server_dsn: str, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--sessions", "20", "--runs", "1", "--duration", "1",
         "--concurrency", "4", "--endpoints", "list,detail", "--dsn", pg_server_dsn, "--json", str(out),
         # a check that the script works, not a measurement: never repeat a run for a busy machine
         "--retries", "0", "--max-time", "240"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "ours/AgentOS" in result.stdout
    figures = json.loads(out.read_text())
    by_endpoint = {row["endpoint"]: row for row in figures["results"]}
    assert set(by_endpoint) == {"list", "detail"}
    for row in by_endpoint.values():
        assert row["ours"]["rps"] > 0 and row["agentos"]["rps"] > 0 and row["ratio"] > 0
        assert row["ours"]["non_2xx"] == 0 and row["agentos"]["non_2xx"] == 0
