"""One test per scripted step: AgentOS and our service must answer alike (see harness.py)."""

from __future__ import annotations

import re

import httpx
import pytest

from .auth_steps import AUTH_STEPS
from .generated import GENERATED_STEPS, failures
from .known_differences import KNOWN_DIFFERENCES
from .steps import STEPS

STEP_IDS = {s.id for s in STEPS} | {s.id for s in AUTH_STEPS}


@pytest.mark.parametrize("step", STEPS, ids=[s.id for s in STEPS])
def test_step(step, contract_harness):
    result = contract_harness.run(step)
    if result.failed:
        pytest.fail(result.render(), pytrace=False)


@pytest.mark.parametrize("step", GENERATED_STEPS, ids=[s.id for s in GENERATED_STEPS])
def test_generated_step(step, contract_harness):
    problems = failures(contract_harness.run(step))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_step_ids_unique_across_tables():
    assert len(STEP_IDS) == len(STEPS) + len(AUTH_STEPS)


def test_known_differences_name_real_steps():
    assert [k.step for k in KNOWN_DIFFERENCES if k.step not in STEP_IDS] == []


def test_enough_bad_inputs():
    assert len([s for s in STEPS if "-422-" in s.id]) >= 40


def test_every_sessions_route_is_exercised(contract_agentos):
    """Every /sessions operation in AgentOS's own OpenAPI document is driven by some step."""
    spec = httpx.get(contract_agentos.base_url + "/openapi.json", timeout=30).json()
    routes = [
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        if path == "/sessions" or path.startswith("/sessions/")
        for method in ops
        if method in ("get", "post", "patch", "delete", "put")
    ]
    assert routes, "AgentOS exposes no /sessions routes?"
    sent = {(r.method, r.path) for s in STEPS for r in s.requests if isinstance(r.path, str)}
    missing = []
    for method, template in routes:
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/?]+", re.escape(template)) + r"/?(\?.*)?$")
        if not any(m == method and pattern.match(p) for m, p in sent):
            missing.append(f"{method} {template}")
    assert missing == [], "routes no step exercises"
