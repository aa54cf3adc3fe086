"""Debian's PgBouncer in transaction pooling mode, started on a free port in front of one PostgreSQL server
(TCP or a unix socket), for tests that run the service through a pooler as operators deploy it."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import psycopg2.extensions

from .localpg import LocalServersUnavailable, run_as
from .net import free_port
from .postgres import with_database


# PgBouncer cannot run here (not installed, no user to run as); the message says why.
PgBouncerUnavailable = LocalServersUnavailable


class PgBouncer:
    """One PgBouncer for every database of `server_dsn`'s server; `through(dsn)` is a database's DSN via it."""

    def __init__(self, server_dsn: str, pool_size: int = 8) -> None:
        self.server_dsn = server_dsn
        self.pool_size = pool_size
        self.port = 0
        self._home: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> PgBouncer:
        binary = shutil.which("pgbouncer")
        if binary is None:
            raise PgBouncerUnavailable("pgbouncer is not installed (Debian's pgbouncer; .ci/run installs it)")
        server = psycopg2.extensions.parse_dsn(self.server_dsn)
        host = server.get("host") or "127.0.0.1"
        user = server.get("user") or "postgres"
        run_as = _run_as(host)
        self.port = free_port()
        self._home = home = Path(tempfile.mkdtemp(prefix="agno-pgbouncer-"))
        (home / "users.txt").write_text(f'"{user}" ""\n')
        (home / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={host} port={server.get('port') or 5432} user={user}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {home}/users.txt\n"
            f"pool_mode = transaction\ndefault_pool_size = {self.pool_size}\nmax_client_conn = 500\n"
            # psycopg2 sends the service's statement_timeout as the `options` startup parameter, which
            # PgBouncer refuses unless told to ignore it (the service sets it per transaction instead).
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {home}/pgbouncer.log\npidfile = {home}/pgbouncer.pid\n"
        )
        argv = [binary, str(home / "pgbouncer.ini")]
        if run_as is not None:
            for path in (home, *home.iterdir()):
                os.chown(path, run_as.pw_uid, run_as.pw_gid)
            argv[1:1] = ["-u", run_as.pw_name]
        self._proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_ready(timeout)
        return self

    @property
    def pid(self) -> int:
        assert self._proc is not None, "not started"
        return self._proc.pid

    def through(self, dsn: str) -> str:
        """The DSN of `dsn`'s database through this PgBouncer."""
        user = psycopg2.extensions.parse_dsn(self.server_dsn).get("user") or "postgres"
        return with_database(f"postgresql://{user}@127.0.0.1:{self.port}/postgres", urlsplit(dsn).path.lstrip("/"))

    def log_tail(self, chars: int = 2000) -> str:
        log = self._home / "pgbouncer.log" if self._home else None
        return log.read_text()[-chars:] if log is not None and log.exists() else ""

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)
            self._proc = None
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None

    def _wait_ready(self, timeout: float) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg2.connect(self.through(self.server_dsn), connect_timeout=2).close()
                return
            except psycopg2.OperationalError as exc:
                if time.monotonic() > deadline or self._proc.poll() is not None:
                    log = self.log_tail()
                    self.stop()
                    raise RuntimeError(f"pgbouncer did not answer ({exc}):\n{log}") from None
                time.sleep(0.2)


def _run_as(host: str) -> pwd.struct_passwd | None:
    """Who PgBouncer runs as: it refuses root, and a unix socket's directory may admit its owner only."""
    if os.geteuid() == 0 and host.startswith("/"):
        return pwd.getpwuid(os.stat(host).st_uid)
    return run_as()
