"""Auth parity (contract §1.5): a second AgentOS and a second instance of our service, both with
``OS_SECURITY_KEY`` set, on the same seeded database; ``auth_steps.py`` is the table of steps.

The two extra servers live only as long as this module (module-scoped fixtures): pytest runs this
file before ``test_contract.py``, so they are stopped before the main pair starts.  The same
``Harness`` drives the steps (snapshot/restore, DB dumps, known differences); the mismatch report
is written next to the main one as ``contract-auth-report.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from . import infra
from .auth_steps import AUTH_STEPS, SECURITY_KEY
from .conftest import POOLED, ROUTES, _self_check, pooler, report_key, report_path, running_harness


@pytest.fixture(scope="module", params=ROUTES)
def auth_servers(request, contract_seeded_db, contract_logs):
    through = pooler(request)
    # AgentOS gets the database as its own ``db`` too: that is what enables service-account
    # tokens, so an unknown ``agno_pat_`` token gets the 401 text of contract §1.5
    agentos = infra.start_agentos(contract_seeded_db, contract_logs, security_key=SECURITY_KEY, os_db=True,
                                  name="agentos-auth" + ("-pgbouncer" if through else ""))
    try:
        if _self_check():
            ours = infra.start_agentos(
                contract_seeded_db, contract_logs, name="agentos-auth-as-ours", security_key=SECURITY_KEY, os_db=True
            )
        else:
            ours = infra.start_ours(contract_seeded_db, contract_logs, name="ours-auth", security_key=SECURITY_KEY,
                                    pooler=through)
    except BaseException:
        agentos.stop()
        raise
    yield agentos, ours
    ours.stop()
    agentos.stop()


@pytest.fixture(scope="module")
def auth_harness(request, contract_seeded_db, auth_servers, contract_logs):
    agentos, ours = auth_servers
    path = Path(os.environ.get("AGNO_CONTRACT_AUTH_REPORT") or contract_logs / "contract-auth-report.md")
    with running_harness(request.config, contract_seeded_db, agentos.base_url, ours.base_url,
                         report_path(path, ours.pooled), report_key("auth", ours.pooled),
                         title="auth (OS_SECURITY_KEY set)" + ("," + POOLED if ours.pooled else "")) as harness:
        yield harness


@pytest.mark.parametrize("step", AUTH_STEPS, ids=[s.id for s in AUTH_STEPS])
def test_auth_step(step, auth_harness):
    result = auth_harness.run(step)
    if result.failed:
        pytest.fail(result.render(), pytrace=False)
