"""Requirements and machine facts: the pip/apt line for what is missing; CPUs, memory, versions, the commit measured."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .settings import REPO_ROOT

PIP_HINTS = {
    "agno": "agno==3.1.10",
    "fastapi": "fastapi",
    "uvicorn": "uvicorn",
    "sqlalchemy": "sqlalchemy",
    "psycopg": '"psycopg[binary]"',
    "openai": "openai",
    "multipart": "python-multipart",
    "aiohttp": "aiohttp",
    "aiopg": "aiopg",
    "psycopg2": "psycopg2-binary",
    "orjson": "orjson",
}


def check_requirements(with_agentos: bool, profile: bool) -> str | None:
    """Exit with the pip/apt line to run when something is missing; return the wrk path (or None)."""
    import importlib.util

    needed = ["agno", "sqlalchemy", "psycopg", "aiohttp", "aiopg", "psycopg2", "orjson"]
    if with_agentos:
        needed += ["fastapi", "uvicorn", "openai", "multipart"]
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if importlib.util.find_spec("agno_session_aio") is None and not (REPO_ROOT / "agno_session_aio").is_dir():
        missing.append("agno_session_aio")
    if missing:
        hints = " ".join(PIP_HINTS.get(name, f"-e {REPO_ROOT}") for name in missing)
        sys.exit(f"bench: missing Python packages {missing}; run: pip install {hints}")
    if profile and shutil.which("py-spy") is None:
        sys.exit("bench: --profile needs py-spy; run: pip install py-spy")
    wrk = shutil.which("wrk")
    if wrk is None:
        print("bench: wrk not found (apt-get install -y wrk); using the slower aiohttp load generator", file=sys.stderr)
    return wrk


def git_state() -> dict[str, Any]:
    """The commit of the service code measured, and its uncommitted changes (the tree is what runs)."""

    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, timeout=10)
        return out.stdout.strip()

    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return {"commit": git("rev-parse", "HEAD"),
                "uncommitted": git("status", "--porcelain", "--", "agno_session_aio").splitlines()}
    return {}


def machine_info(admin_dsn: str, wrk: str | None) -> dict[str, Any]:
    """What the figures depend on: CPUs, memory, versions."""
    from importlib import metadata

    import psycopg

    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    mem_total_mb = None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_total_mb = int(line.split()[1]) // 1024
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    versions = {}
    for dist in ("agno", "agno-session-aio", "aiohttp", "aiopg", "psycopg2-binary", "orjson", "fastapi", "starlette",
                 "uvicorn", "pydantic", "sqlalchemy", "psycopg", "uvloop", "httptools"):  # fmt: skip
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist] = metadata.version(dist)
    wrk_version = None
    if wrk:
        out = subprocess.run([wrk, "--version"], capture_output=True, text=True, timeout=10)
        wrk_version = (out.stdout or out.stderr).splitlines()[0].strip() if (out.stdout or out.stderr) else None
    return {
        "service_code": git_state(),
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "mem_total_mb": mem_total_mb,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": pg_version,
        "packages": versions,
        "wrk": wrk_version,
    }
