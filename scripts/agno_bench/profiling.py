"""Profiling (optional): py-spy on this service under the reads, summarised from collapsed stacks."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .errors import BenchError
from .load import Endpoint, IdSpace, run_python_load, run_wrk
from .servers import Server


def profile_summary(raw_path: Path, top: int = 15) -> dict[str, Any]:
    """Top functions by self and inclusive samples from py-spy's collapsed-stack ("raw") output."""
    self_samples: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw_path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        self_samples[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count

    def table(counter: Counter[str]) -> list[dict[str, Any]]:
        return [{"function": f, "pct": round(100 * n / total, 1)} for f, n in counter.most_common(top)]

    return {"samples": total, "self": table(self_samples), "inclusive": table(inclusive)}


def profile_ours(wrk: str | None, server: Server, eps: list[Endpoint], ids: IdSpace, out_dir: Path, *,
                 concurrency: int, duration: int, client_cpus: set[int] | None, work_dir: Path) -> dict[str, Any]:
    """py-spy record (collapsed stacks, 100 Hz, GIL holders only) of our service under list, detail, runs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    for endpoint in eps:
        if endpoint.name not in ("list", "detail", "runs"):
            continue
        raw = out_dir / f"ours-{endpoint.name}.txt"
        spy = subprocess.Popen(["py-spy", "record", "--pid", str(server.pid), "--duration", str(duration),
                                "--rate", "100", "--format", "raw", "--output", str(raw), "--nonblocking",
                                # Only samples holding the GIL: psycopg2 releases it while libpq sends, where
                                # the thread is often just preempted by PostgreSQL on the shared CPU.
                                "--gil"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        time.sleep(0.5)  # py-spy attaches before the load starts
        if wrk:
            run_wrk(wrk, server, endpoint, ids, concurrency=concurrency, duration=duration, cpus=client_cpus,
                    work_dir=work_dir)
        else:
            run_python_load(server, endpoint, ids, concurrency=concurrency, duration=duration, cpus=client_cpus)
        try:
            _, err = spy.communicate(timeout=duration + 30)
        except subprocess.TimeoutExpired:
            spy.kill()
            _, err = spy.communicate()
        if not raw.exists():
            raise BenchError(f"py-spy wrote no profile for {endpoint.name}: {err.decode(errors='replace')[-1000:]}")
        results[endpoint.name] = profile_summary(raw) | {"collapsed_stacks": str(raw)}
    return results
