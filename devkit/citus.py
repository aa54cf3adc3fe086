"""A Citus cluster (a coordinator and two workers) made with the PostgreSQL installation that has the Citus
extension, for tests of the service on a sharded database; and the DDL docs/scaling.md gives operators."""

from __future__ import annotations

from pathlib import Path

from .localpg import LocalServers, LocalServersUnavailable, sql

CitusUnavailable = LocalServersUnavailable

# docs/scaling.md: agno's tables distributed by session_id and co-located, run on the coordinator.
DISTRIBUTE: tuple[str, ...] = (
    "BEGIN;"
    " ALTER TABLE ai.agno_runs DROP CONSTRAINT agno_runs_pkey,"
    " ADD CONSTRAINT agno_runs_pkey PRIMARY KEY (run_id, session_id);"
    " SELECT create_distributed_table('ai.agno_sessions', 'session_id');"
    " SELECT create_distributed_table('ai.agno_runs', 'session_id', colocate_with => 'ai.agno_sessions');"
    " COMMIT",
    "SELECT truncate_local_data_after_distributing_table('ai.agno_runs')",
    "SELECT truncate_local_data_after_distributing_table('ai.agno_sessions')",
)


def _bin_dir() -> Path:
    """The PostgreSQL programs whose installation has Citus (`make install` of Citus into Debian's)."""
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*"), reverse=True):
        if (candidate / "lib" / "citus.so").exists() and (candidate / "bin" / "initdb").exists():
            return candidate / "bin"
    raise CitusUnavailable("Citus is not installed (no citus.so in a /usr/lib/postgresql/<version>/lib; it is "
                           "not packaged for Debian: build it from source into the postgresql-server-dev version)")


class CitusCluster:
    """`coordinator_dsn(database)`; `create_database(name)` makes it on every node with the extension."""

    WORKERS = ("worker1", "worker2")

    def __init__(self) -> None:
        self._servers: LocalServers | None = None

    def start(self) -> CitusCluster:
        self._servers = servers = LocalServers(_bin_dir(), prefix="agno-citus-")
        try:
            for name in ("coordinator", *self.WORKERS):
                servers.initdb(name)
                servers.start(name, "-c shared_preload_libraries=citus -c max_connections=200")
        except BaseException:
            self.stop()
            raise
        return self

    def coordinator_dsn(self, database: str = "postgres") -> str:
        assert self._servers is not None
        return self._servers.dsn("coordinator", database)

    def create_database(self, name: str) -> str:
        """A database on every node, Citus enabled and the workers registered; its coordinator DSN."""
        assert self._servers is not None
        for node in ("coordinator", *self.WORKERS):
            sql(self._servers.dsn(node), f'CREATE DATABASE "{name}"')
            sql(self._servers.dsn(node, name), "CREATE EXTENSION citus")
        coordinator = self.coordinator_dsn(name)
        sql(coordinator, f"SELECT citus_set_coordinator_host('127.0.0.1', {self._servers.ports['coordinator']})")
        for node in self.WORKERS:
            sql(coordinator, f"SELECT citus_add_node('127.0.0.1', {self._servers.ports[node]})")
        return coordinator

    def stop(self) -> None:
        if self._servers is not None:
            self._servers.remove()
            self._servers = None
