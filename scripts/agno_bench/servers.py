"""Server processes: the real AgentOS and this service, each pinned and logged, and one plain HTTP request."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable

from devkit.net import free_port
from devkit.postgres import sqlalchemy_url

from .errors import BenchError
from .settings import AGENTOS_LAUNCHER, PY, REPO_ROOT, SERVER_START_TIMEOUT


def pinned(cpus: set[int] | None) -> Callable[[], None] | None:
    """A preexec_fn that pins the child to `cpus` (None: no pinning)."""
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def clean_env() -> dict[str, str]:
    """Our environment without anything that would reconfigure either server."""
    drop = ("AGNO_", "OS_SECURITY_KEY", "DATABASE_URL", "JWT_", "PYTHONWARNINGS")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def read_status_kb(pid: int, key: str) -> int | None:
    """A kB field (VmRSS, VmHWM) of /proc/<pid>/status."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


class Server:
    """One server subprocess in its own process group, output captured to a log file."""

    def __init__(self, name: str, label: str, argv: list[str], env: dict[str, str], port: int, health: str,
                 log_dir: Path, cpus: set[int] | None) -> None:  # fmt: skip
        self.name = name
        self.label = label
        self.argv = argv
        self.env = env
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.health = health
        self.log_path = log_dir / f"{name}.log"
        self.cpus = cpus
        self.proc: subprocess.Popen[bytes] | None = None
        self.rss_idle_mb: float | None = None
        # The PgBouncer in front of it, if any (its CPU is counted apart).
        self.pooler_pid: int | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.argv, env=self.env, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=pinned(self.cpus))  # fmt: skip

    def wait_ready(self, timeout: float = SERVER_START_TIMEOUT) -> None:
        """Poll the health path until it answers 200; fail with the log tail otherwise."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.label} exited with code {self.proc.returncode} during start-up\n"
                                 f"--- {self.log_path} ---\n{self.log_tail()}")
            try:
                status, body = http(self.base_url, "GET", self.health, timeout=2)
                if status == 200:
                    return
                last = f"{status} {body[:200]!r}"
            except OSError as exc:
                last = repr(exc)
            time.sleep(0.2)
        raise BenchError(f"{self.label} did not answer {self.health} within {timeout:.0f}s (last: {last})\n"
                         f"--- {self.log_path} ---\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return "<no log>"

    def rss_mb(self) -> float | None:
        kb = read_status_kb(self.pid, "VmRSS")
        return round(kb / 1024, 1) if kb is not None else None

    def peak_rss_mb(self) -> float | None:
        kb = read_status_kb(self.pid, "VmHWM")
        return round(kb / 1024, 1) if kb is not None else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL after 10 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def agentos_server(dsn: str, log_dir: Path, cpus: set[int] | None) -> Server:
    """The real AgentOS: agno==3.1.10 under uvicorn, 1 worker, telemetry off, log level warning."""
    port = free_port()
    env = clean_env() | {"AGENTOS_DB_URL": sqlalchemy_url(dsn), "AGENTOS_PORT": str(port),
                         "AGENTOS_DB_ID": "bench-db", "AGENTOS_AGENT_ID": "bench-agent",
                         "OPENAI_API_KEY": "dummy", "AGNO_TELEMETRY": "false", "PYTHONUNBUFFERED": "1"}  # fmt: skip
    return Server("agentos", "AgentOS", [PY, str(AGENTOS_LAUNCHER)], env, port, "/health", log_dir, cpus)


def our_server(dsn: str, log_dir: Path, cpus: set[int] | None, extra_env: dict[str, str] | None = None) -> Server:
    """This service, one process, from this checkout (PYTHONPATH wins over any other installed copy)."""
    port = free_port()
    env = clean_env() | {"AGNO_PG_DSN": dsn, "AGNO_SERVICE_PORT": str(port), "AGNO_SERVICE_HOST": "127.0.0.1",
                         "AGNO_LOG_LEVEL": "WARNING", "AGNO_WORKERS": "1", "PYTHONUNBUFFERED": "1",
                         "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    env |= extra_env or {}
    return Server("ours", "agno-session-aio", [PY, "-m", "agno_session_aio"], env, port, "/healthz", log_dir, cpus)


def http(base_url: str, method: str, path: str, body: Any = None, timeout: float = 10) -> tuple[int, bytes]:
    """One request with the standard library; any status comes back, only connection errors raise."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
