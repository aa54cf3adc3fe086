"""Config.from_env with plain dicts: precedence, DSN forms, and one clear error per bad value."""

from __future__ import annotations

import pytest

from agno_session_aio.config import Config, ConfigError, normalize_dsn, redact_dsn


def test_config_defaults_to_embedded_without_dsn() -> None:
    config = Config.from_env({})
    assert config.embedded
    assert config.port == 8080
    assert (config.db_schema, config.session_table, config.runs_table) == ("ai", "agno_sessions", "agno_runs")


def test_config_single_dsn_and_fallback() -> None:
    config = Config.from_env({"DATABASE_URL": "postgres://u:p@db:5432/x"})
    assert [(db.db_id, db.dsn) for db in config.databases] == [("default", "postgresql://u:p@db:5432/x")]
    preferred = Config.from_env({"AGNO_PG_DSN": "postgresql://a@h/one", "DATABASE_URL": "postgresql://a@h/two"})
    assert preferred.databases[0].dsn == "postgresql://a@h/one"


def test_config_single_dsn_takes_default_db_id_as_its_name() -> None:
    config = Config.from_env({"AGNO_PG_DSN": "postgresql://a@h/one", "AGNO_DEFAULT_DB_ID": "main"})
    assert config.databases[0].db_id == "main"
    assert config.default_db_id == "main"


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        ("postgresql+psycopg://u:p@h:5432/db", "postgresql://u:p@h:5432/db"),
        ("postgresql+psycopg2://u@h/db?sslmode=require", "postgresql://u@h/db?sslmode=require"),
        ("postgres://u@h/db", "postgresql://u@h/db"),
        ("host=h dbname=db user=u", "host=h dbname=db user=u"),
    ],
)
def test_config_accepts_dsn_forms(dsn: str, expected: str) -> None:
    assert normalize_dsn(dsn, "AGNO_PG_DSN") == expected


def test_config_dsn_map_keeps_order_and_default_is_first_key() -> None:
    config = Config.from_env({"AGNO_SESSION_DSN_MAP": '{"b": "postgresql://h/b", "a": "postgresql://h/a"}'})
    assert [db.db_id for db in config.databases] == ["b", "a"]
    assert config.default_db_id == "b"


def test_config_map_wins_over_single_dsn() -> None:
    config = Config.from_env({"AGNO_SESSION_DSN_MAP": '{"x": "postgresql://h/x"}', "AGNO_PG_DSN": "postgresql://h/y"})
    assert [db.db_id for db in config.databases] == ["x"]


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"AGNO_SESSION_DSN_MAP": "{not json"}, "AGNO_SESSION_DSN_MAP is not valid JSON"),
        ({"AGNO_SESSION_DSN_MAP": "{}"}, "non-empty JSON object"),
        ({"AGNO_SESSION_DSN_MAP": '["x"]'}, "non-empty JSON object"),
        ({"AGNO_SESSION_DSN_MAP": '{"a": 5}'}, "entry 'a'"),
        ({"AGNO_SESSION_DSN_MAP": '{"a": "postgresql://h/a"}', "AGNO_DEFAULT_DB_ID": "zz"}, "AGNO_DEFAULT_DB_ID='zz'"),
        ({"AGNO_PG_DSN": "mysql://h/db"}, "unsupported scheme"),
        ({"AGNO_PG_DSN": "nonsense"}, "AGNO_PG_DSN: not a PostgreSQL DSN"),
        ({"AGNO_SERVICE_PORT": "http"}, "AGNO_SERVICE_PORT='http' is not an integer"),
        ({"AGNO_SERVICE_PORT": "70000"}, "AGNO_SERVICE_PORT=70000 is out of range"),
        ({"AGNO_SESSION_TABLE": "x; drop table y"}, "AGNO_SESSION_TABLE"),
        ({"AGNO_REQUEST_TIMEOUT": "-1"}, "AGNO_REQUEST_TIMEOUT"),
        ({"AGNO_LOG_LEVEL": "loud"}, "AGNO_LOG_LEVEL"),
        ({"AGNO_PG_POOL_MIN": "5", "AGNO_PG_POOL_MAX": "2"}, "AGNO_PG_POOL_MIN=5"),
        ({"AGNO_SESSION_READ_DSN_MAP": '{"default": "postgresql://h/r"}'}, "the embedded PostgreSQL has no replicas"),
        ({"AGNO_PG_DSN": "postgresql://h/db", "AGNO_SESSION_READ_DSN_MAP": '{"other": "postgresql://h/r"}'},
         "AGNO_SESSION_READ_DSN_MAP: 'other' is not a configured db_id (known: default)"),
        ({"AGNO_PG_DSN": "postgresql://h/db", "AGNO_SESSION_READ_DSN_MAP": "[1]"}, 'must be a JSON object'),
        ({"AGNO_PG_DSN": "postgresql://h/db", "AGNO_SESSION_READ_DSN_MAP": '{"default": ""}'}, "entry 'default'"),
        ({"AGNO_PG_DSN": "postgresql://h/db", "AGNO_SESSION_READ_DSN_MAP": '{"default": "mysql://h/r"}'},
         "AGNO_SESSION_READ_DSN_MAP['default']: unsupported scheme"),
        ({"AGNO_READ_REPLICA_MAX_LAG": "0"}, "AGNO_READ_REPLICA_MAX_LAG"),
    ],
)
def test_config_rejects_bad_values_naming_the_variable(environ: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=None) as caught:
        Config.from_env(environ)
    assert names in str(caught.value)


def test_config_read_replicas_by_db_id() -> None:
    config = Config.from_env({
        "AGNO_SESSION_DSN_MAP": '{"a": "postgresql://h/a", "b": "postgresql://h/b"}',
        "AGNO_SESSION_READ_DSN_MAP": '{"b": "postgres://standby/b"}', "AGNO_READ_REPLICA_MAX_LAG": "0.5",
    })
    assert [(db.db_id, db.read_dsn) for db in config.databases] == [("a", None), ("b", "postgresql://standby/b")]
    assert config.replica_max_lag == 0.5
    assert Config.from_env({"AGNO_PG_DSN": "postgresql://h/a"}).replica_max_lag == 1.0


def test_config_custom_session_table_names_runs_after_it() -> None:
    config = Config.from_env({"AGNO_SESSION_TABLE": "my_sessions"})
    assert config.runs_table == "my_sessions_runs"


def test_redact_dsn_hides_passwords() -> None:
    assert redact_dsn("postgresql://u:s3cret@h/db") == "postgresql://u:***@h/db"
    assert "s3cret" not in redact_dsn("host=h password=s3cret dbname=d")


def test_config_operations_settings() -> None:
    config = Config.from_env({"AGNO_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1", "AGNO_LOG_FORMAT": "TEXT",
                              "AGNO_SHUTDOWN_GRACE": "3", "AGNO_PG_POOL_ACQUIRE_TIMEOUT": "0.5"})
    assert [str(net) for net in config.trusted_proxies] == ["10.0.0.0/8", "127.0.0.1/32"]
    assert (config.log_format, config.shutdown_grace, config.pool_acquire_timeout) == ("text", 3.0, 0.5)
    with pytest.raises(ConfigError, match="AGNO_TRUSTED_PROXIES"):
        Config.from_env({"AGNO_TRUSTED_PROXIES": "10.0.0.0/33"})
    with pytest.raises(ConfigError, match="AGNO_LOG_FORMAT"):
        Config.from_env({"AGNO_LOG_FORMAT": "xml"})


def test_text_log_format_names_the_request() -> None:
    import logging

    from agno_session_aio.logs import TextFormatter

    record = logging.LogRecord("agno_session_aio.x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    record.request_id = "rid-5"
    line = TextFormatter().format(record)
    assert line.endswith("INFO agno_session_aio.x [rid-5]: hello you")


@pytest.mark.parametrize(
    "dsn",
    ["postgresql://u:s3cretpw@h/db", "postgresql://u@h/db?password=s3cretpw", "host=h password='s3cretpw' dbname=d",
     "postgresql://u:s3cret%40pw@h/db"],
)
def test_redact_dsn_hides_the_password_in_every_form(dsn: str) -> None:
    assert "s3cret" not in redact_dsn(dsn) and "***" in redact_dsn(dsn)


def test_connection_options_keep_the_dsns_own() -> None:
    from agno_session_aio.databases import _connection_options

    config = Config(statement_timeout=2.5)
    assert _connection_options("postgresql://h/db?options=-csearch_path%3Dfoo", config) == (
        "-csearch_path=foo -c statement_timeout=2500")
    assert _connection_options("postgresql://h/db", config) == "-c statement_timeout=2500"


def test_prepared_statements_setting() -> None:
    assert Config.from_env({}).prepared_statements is True
    assert Config.from_env({"AGNO_PG_PREPARED_STATEMENTS": "off"}).prepared_statements is False
    with pytest.raises(ConfigError, match="AGNO_PG_PREPARED_STATEMENTS"):
        Config.from_env({"AGNO_PG_PREPARED_STATEMENTS": "sometimes"})


def test_readiness_and_body_limit_settings() -> None:
    defaults = Config.from_env({})
    assert (defaults.readiness, defaults.max_body_bytes) == ("any", 64 * 1024 * 1024)
    chosen = Config.from_env({"AGNO_READINESS": "ALL", "AGNO_MAX_BODY_BYTES": "2048"})
    assert (chosen.readiness, chosen.max_body_bytes) == ("all", 2048)
    with pytest.raises(ConfigError, match="AGNO_READINESS='some' must be one of any, all, default"):
        Config.from_env({"AGNO_READINESS": "some"})
    with pytest.raises(ConfigError, match="AGNO_MAX_BODY_BYTES=10 is out of range"):
        Config.from_env({"AGNO_MAX_BODY_BYTES": "10"})


def test_event_loop_setting() -> None:
    assert Config.from_env({}).event_loop == "auto"
    assert Config.from_env({"AGNO_EVENT_LOOP": "asyncio"}).event_loop == "asyncio"
    with pytest.raises(ConfigError, match="AGNO_EVENT_LOOP='tornado' must be one of auto, uvloop, asyncio"):
        Config.from_env({"AGNO_EVENT_LOOP": "tornado"})


def test_connection_settings() -> None:
    defaults = Config.from_env({})
    assert (defaults.keepalive_timeout, defaults.max_connections) == (75.0, 2048)
    chosen = Config.from_env({"AGNO_KEEPALIVE_TIMEOUT": "5", "AGNO_MAX_CONNECTIONS": "100"})
    assert (chosen.keepalive_timeout, chosen.max_connections) == (5.0, 100)
    with pytest.raises(ConfigError, match="AGNO_MAX_CONNECTIONS=0 is out of range"):
        Config.from_env({"AGNO_MAX_CONNECTIONS": "0"})
