"""JWT parity (contract §1.8–1.10): for each setup of ``jwt_steps.py``, a real AgentOS and one of ours
started with the same JWT settings on the same seeded database, and the same ``Harness`` comparing
answers and table dumps step by step.

A pair is started when its first step runs and stopped with this module; each setup's mismatch
report is written as ``contract-jwt-<setup>-report.md`` next to the main one.
"""

from __future__ import annotations

import json
import os
from contextlib import ExitStack
from pathlib import Path

import pytest

from . import infra
from . import jwt_steps as J
from .conftest import JWT_SETUPS, POOLED, ROUTES, _self_check, pooler, report_key, report_path, running_harness
from .generated import failures


def _settings(setup: str, jwks_file: Path) -> tuple[dict, dict, str | None]:
    """(AgentOS's environment, ours, the security key both get) for one setup."""
    if setup == "rbac":
        agentos = {"JWT_JWKS_FILE": str(jwks_file), "AGENTOS_JWT": json.dumps({
            "authorization": True, "user_isolation": True, "algorithm": "RS256", "verify_audience": True,
            "audience": J.AUDIENCE, "issuer": J.ISSUER})}
        ours = {"JWT_JWKS_FILE": str(jwks_file), "AGNO_JWT_ALGORITHM": "RS256", "AGNO_JWT_VERIFY_AUDIENCE": "true",
                "AGNO_JWT_AUDIENCE": J.AUDIENCE, "AGNO_JWT_ISSUER": J.ISSUER, "AGNO_AUTHORIZATION": "true",
                "AGNO_USER_ISOLATION": "true"}
        return agentos, ours, None
    if setup == "asserted":
        return {"AGENTOS_JWT": json.dumps({"user_isolation": True})}, {"AGNO_USER_ISOLATION": "true"}, None
    agentos = {"JWT_VERIFICATION_KEY": J.SECRET, "AGENTOS_JWT": json.dumps({"algorithm": "HS256"})}
    ours = {"JWT_VERIFICATION_KEY": J.SECRET, "AGNO_JWT_ALGORITHM": "HS256"}
    return agentos, ours, J.SECURITY_KEY


@pytest.fixture(scope="module", params=ROUTES)
def jwt_harness(request, contract_seeded_db, contract_logs, tmp_path_factory):
    """setup name -> a running Harness over that setup's pair (started on first use)."""
    through = pooler(request)
    route = "-pgbouncer" if through else ""
    jwks_file = J.write_jwks(tmp_path_factory.mktemp("jwt") / "jwks.json")
    harnesses: dict = {}
    with ExitStack() as stack:
        def get(setup: str):
            if setup not in harnesses:
                agentos_env, ours_env, key = _settings(setup, jwks_file)
                agentos = infra.start_agentos(contract_seeded_db, contract_logs, name=f"agentos-jwt-{setup}{route}",
                                              security_key=key, os_db=True, env_extra=agentos_env)
                stack.callback(agentos.stop)
                if _self_check():
                    ours = infra.start_agentos(contract_seeded_db, contract_logs, name=f"agentos-jwt-{setup}-as-ours",
                                               security_key=key, os_db=True, env_extra=agentos_env)
                else:
                    ours = infra.start_ours(contract_seeded_db, contract_logs, name=f"ours-jwt-{setup}",
                                            security_key=key, env_extra=ours_env, pooler=through)
                stack.callback(ours.stop)
                path = Path(os.environ.get("AGNO_CONTRACT_REPORT_DIR") or contract_logs) / f"contract-jwt-{setup}-report.md"
                harnesses[setup] = stack.enter_context(running_harness(
                    request.config, contract_seeded_db, agentos.base_url, ours.base_url,
                    report_path(path, through is not None), report_key(f"jwt {setup}", through is not None),
                    title=f"JWT ({setup})" + ("," + POOLED if through else "")))
            return harnesses[setup]

        get.harnesses = harnesses  # type: ignore[attr-defined]
        yield get


def test_jwt_steps_are_enough() -> None:
    """Issue 11 asks for at least 100 side-by-side JWT steps; each setup has its own share."""
    assert len(J.JWT_STEPS) >= 100
    assert {table.setup for table in J.TABLES} == set(JWT_SETUPS)


@pytest.mark.parametrize("step", J.JWT_STEPS, ids=[s.id for s in J.JWT_STEPS])
def test_jwt_step(step, jwt_harness):
    result = jwt_harness(step.id.split("-")[1]).run(step)
    if result.failed:
        pytest.fail(result.render(), pytrace=False)


@pytest.mark.parametrize("step", J.JWT_GENERATED_STEPS, ids=[s.id for s in J.JWT_GENERATED_STEPS])
def test_jwt_generated_step(step, jwt_harness):
    problems = failures(jwt_harness("rbac").run(step))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


#: answers AgentOS must have given somewhere in the run: proof the pairs really ran in JWT mode with
#: scopes and isolation, not open (where every step would match too)
EXPECTED_ANSWERS = {
    (401, "Authorization header missing"),
    (401, "Token has expired"),
    (401, "Invalid token: Signature verification failed"),
    (401, "Invalid token: No verification keys configured"),
    (401, "Invalid token: The specified alg value is not allowed"),
    (401, "Invalid token audience - token not valid for this AgentOS instance"),
    (401, "Invalid token subject"),
    (401, "Invalid or expired service account token"),
    (403, "Insufficient permissions. Required scope(s): sessions:write"),
    (403, "Insufficient permissions. Required scope(s): sessions:delete"),
    (403, "Authenticated request is missing a user identity"),
    (404, f"Session with id '{J.S.AGENT_SDK}' not found"),
    (409, f"Session with id '{J.S.AGENT_FULL}' already exists. Use PATCH /sessions/{J.S.AGENT_FULL} to update it."),
    (409, "Could not create a session with the supplied session_id. Omit session_id to have one generated, "
          "or choose a different one."),
}


def test_jwt_answers_cover_the_auth_rules(jwt_harness):
    """Runs after the steps (pytest keeps file order): the answers seen include every rule's own text."""
    seen = set()
    for harness in jwt_harness.harnesses.values():
        for result in harness.results:
            for observed in result.agentos:
                if isinstance(observed.body, dict) and isinstance(observed.body.get("detail"), str):
                    seen.add((observed.status, observed.body["detail"]))
    if len(jwt_harness.harnesses) < len(J.TABLES):
        pytest.skip("only some JWT steps were selected")
    assert EXPECTED_ANSWERS - seen == set()
