"""Auth parity (contract §1.5): a second AgentOS and a second instance of our service, both with
``OS_SECURITY_KEY`` set, on the same seeded database; ``auth_steps.py`` is the table of steps.

The two extra servers live only as long as this module (module-scoped fixtures): pytest runs this
file before ``test_contract.py``, so they are stopped before the main pair starts.  The same
``Harness`` drives the steps (snapshot/restore, DB dumps, known differences); the mismatch report
is written next to the main one as ``contract-auth-report.md``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from . import infra
from .auth_steps import AUTH_STEPS, SECURITY_KEY
from .conftest import AUTH_REPORT_KEY, _self_check


@pytest.fixture(scope="module")
def auth_servers(contract_seeded_db, contract_logs):
    # AgentOS gets the database as its own ``db`` too: that is what enables service-account
    # tokens, so an unknown ``agno_pat_`` token gets the 401 text of contract §1.5
    agentos = infra.start_agentos(
        contract_seeded_db, contract_logs, name="agentos-auth", security_key=SECURITY_KEY, os_db=True
    )
    try:
        if _self_check():
            ours = infra.start_agentos(
                contract_seeded_db, contract_logs, name="agentos-auth-as-ours", security_key=SECURITY_KEY, os_db=True
            )
        else:
            ours = infra.start_ours(contract_seeded_db, contract_logs, name="ours-auth", security_key=SECURITY_KEY)
    except BaseException:
        agentos.stop()
        raise
    yield agentos, ours
    ours.stop()
    agentos.stop()


@pytest.fixture(scope="module")
def auth_harness(request, contract_seeded_db, auth_servers, contract_logs):
    from .dbstate import DbState
    from .harness import Harness
    from .report import write_report

    agentos, ours = auth_servers
    db = DbState(contract_seeded_db.dsn)
    db.snapshot()
    harness = Harness(
        agentos.base_url,
        ours.base_url,
        db,
        now_threshold=int(time.time()) - 120,
        self_check=_self_check(),
    )
    yield harness
    harness.close()
    try:
        default = contract_logs / "contract-auth-report.md"
        path = Path(os.environ.get("AGNO_CONTRACT_AUTH_REPORT") or default)
        summary = write_report(harness.results, path, self_check=_self_check(), title="auth (OS_SECURITY_KEY set)")
        summary["logs"] = str(contract_logs)
        request.config.stash[AUTH_REPORT_KEY] = summary
    finally:
        db.close()


@pytest.mark.parametrize("step", AUTH_STEPS, ids=[s.id for s in AUTH_STEPS])
def test_auth_step(step, auth_harness):
    result = auth_harness.run(step)
    if result.failed:
        pytest.fail(result.render(), pytrace=False)
