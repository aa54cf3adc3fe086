"""Processes and databases for the contract suite: the PostgreSQL server, a throw-away database,
the real AgentOS and our service, each started as a subprocess on a free port of 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import httpx

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
if str(REPO_ROOT) not in sys.path:  # devkit/ sits beside the tests, not in the installed package
    sys.path.insert(0, str(REPO_ROOT))

from devkit import net, postgres  # noqa: E402
from devkit.pgbouncer import PgBouncer  # noqa: E402

AGENTOS_DB_ID = "contract-db"


# The shared scaffolding (devkit/): the PostgreSQL server, throw-away databases, ports, DSN forms.
PostgresServer = postgres.PostgresServer
Database = postgres.Database
free_port = net.free_port
sqlalchemy_url = postgres.sqlalchemy_url
AGENTOS_LAUNCHER = REPO_ROOT / "devkit" / "agentos_app.py"


def create_database(admin_dsn: str) -> Database:
    return postgres.create_database(admin_dsn, prefix="agno_contract")


def drop_database(admin_dsn: str, name: str) -> None:
    postgres.drop_database(admin_dsn, name)


# --------------------------------------------------------------------------------------------
# Server subprocesses
# --------------------------------------------------------------------------------------------


class ServerStartError(RuntimeError):
    pass


class ServerProcess:
    """A server subprocess with its output captured to a log file."""

    def __init__(self, name: str, argv: List[str], env: Dict[str, str], port: int, log_dir: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = log_dir / f"{name}.log"
        self._log = None
        self.proc: Optional[subprocess.Popen] = None
        # Our service through PgBouncer (start_ours with a pooler)
        self.pooled = False

    def start(self) -> "ServerProcess":
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=str(REPO_ROOT),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def log_tail(self, n: int = 60) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "<no log>"
        return "\n".join(lines[-n:])

    def wait_ready(self, path: str, ok: Callable[[httpx.Response], bool], timeout: float) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        last_error = ""
        with httpx.Client(base_url=self.base_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    self.stop()
                    raise ServerStartError(
                        f"{self.name} exited with code {self.proc.returncode} before answering {path}\n"
                        f"command: {' '.join(self.argv)}\n--- log tail ---\n{self.log_tail()}"
                    )
                try:
                    resp = client.get(path)
                    if ok(resp):
                        return
                    last_error = f"{resp.status_code} {resp.text[:200]}"
                except httpx.HTTPError as exc:
                    last_error = repr(exc)
                time.sleep(0.2)
        self.stop()
        raise ServerStartError(
            f"{self.name} did not answer {path} within {timeout:.0f}s (last: {last_error})\n"
            f"command: {' '.join(self.argv)}\n--- log tail ---\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None


def _base_env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONWARNINGS", None)
    return env


def start_agentos(
    db: Database,
    log_dir: Path,
    name: str = "agentos",
    timeout: float = 90.0,
    security_key: Optional[str] = None,
    os_db: bool = False,
    env_extra: Optional[Dict[str, str]] = None,
) -> ServerProcess:
    """The real AgentOS; with ``security_key`` it runs with ``OS_SECURITY_KEY`` set (auth on); with
    ``os_db`` the database is AgentOS's own ``db`` too (see ``devkit/agentos_app.py``); ``env_extra`` is
    added last (JWT settings)."""
    port = free_port()
    env = _base_env()
    env.update(
        AGENTOS_DB_URL=db.url,
        AGENTOS_DB_ID=AGENTOS_DB_ID,
        AGENTOS_PORT=str(port),
        OPENAI_API_KEY="dummy",
        AGNO_TELEMETRY="false",
        AGENTOS_OS_DB="1" if os_db else "0",
    )
    env.pop("OS_SECURITY_KEY", None)
    for var in ("JWT_VERIFICATION_KEY", "JWT_JWKS_FILE", "AGENTOS_JWT"):  # only what the caller asks
        env.pop(var, None)
    if security_key is not None:
        env["OS_SECURITY_KEY"] = security_key
    env.update(env_extra or {})
    server = ServerProcess(name, [sys.executable, str(AGENTOS_LAUNCHER)], env, port, log_dir).start()
    server.wait_ready("/health", lambda r: r.status_code == 200, timeout)
    return server


def ours_importable() -> Optional[str]:
    """None if ``agno_session_aio`` imports from the repo root, else the reason it does not."""
    proc = subprocess.run(
        [sys.executable, "-c", "import agno_session_aio"],
        cwd=str(REPO_ROOT),
        env=_base_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    if proc.returncode == 0:
        return None
    return (proc.stderr.strip().splitlines() or ["import failed"])[-1]


def start_ours(
    db: Database,
    log_dir: Path,
    timeout: float = 30.0,
    name: str = "ours",
    security_key: Optional[str] = None,
    env_extra: Optional[Dict[str, str]] = None,
    pooler: Optional[PgBouncer] = None,
) -> ServerProcess:
    """Our service; with ``security_key`` it runs with ``OS_SECURITY_KEY`` set (auth on); ``env_extra``
    is added last (JWT settings). With a ``pooler`` it reaches ``db`` through that PgBouncer, as
    docs/scaling.md says to run it there (prepared statements off), and its name says so."""
    import json

    port = free_port()
    env = _base_env()
    env.update(
        AGNO_SESSION_DSN_MAP=json.dumps({AGENTOS_DB_ID: pooler.through(db.dsn) if pooler else db.dsn}),
        AGNO_SERVICE_PORT=str(port),
        AGNO_SERVICE_HOST="127.0.0.1",
    )
    for var in (
        "AGNO_PG_DSN", "DATABASE_URL", "AGNO_DEFAULT_DB_ID", "AGNO_SESSION_TABLE", "AGNO_RUNS_TABLE",
        "AGNO_DB_SCHEMA", "OS_SECURITY_KEY", "AGNO_SECURITY_KEY", "JWT_VERIFICATION_KEY", "JWT_JWKS_FILE",
        "JWT_JWKS", "AGNO_JWT_ALGORITHM", "AGNO_JWT_VERIFY_AUDIENCE", "AGNO_JWT_AUDIENCE", "AGNO_JWT_ISSUER",
        "AGNO_AUTHORIZATION", "AGNO_ADMIN_SCOPE", "AGNO_USER_ISOLATION",
    ):
        env.pop(var, None)
    if security_key is not None:
        env["OS_SECURITY_KEY"] = security_key
    if pooler is not None:
        env["AGNO_PG_PREPARED_STATEMENTS"] = "off"
        name += "-pgbouncer"
    env.update(env_extra or {})
    server = ServerProcess(name, [sys.executable, "-m", "agno_session_aio"], env, port, log_dir)
    server.pooled = pooler is not None
    server.start()
    server.wait_ready(
        "/healthz",
        lambda r: r.status_code == 200 and r.headers.get("content-type", "").startswith("application/json")
        and r.json() == {"status": "ok"},
        timeout,
    )
    return server
