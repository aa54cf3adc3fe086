"""schemathesis against the live service's own /openapi.json, bounded and seeded.

Every operation gets generated requests (valid and invalid); the run fails on a 5xx other than the
documented 503, an undocumented status, a wrong content type, or a response its schema rejects.
AGNO_SCHEMATHESIS_SEED and AGNO_SCHEMATHESIS_EXAMPLES explore other draws.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from . import seed

CONFIG = Path(__file__).with_name("schemathesis.toml")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"

pytestmark = pytest.mark.slow


async def test_schemathesis_finds_nothing(client: TestClient, agno_db: Any) -> None:
    pytest.importorskip("schemathesis", reason="schemathesis is in the test extra")
    seed.agent_session(agno_db, "st-agent", name="Trip")
    seed.agent_run(agno_db, "st-agent", "st-run-1", at=seed.T0 + 5)
    seed.agent_session(agno_db, "st-agent-2")
    seed.agent_run(agno_db, "st-agent-2", "st-run-2", at=seed.T0 + 6)
    seed.team_session(agno_db, "st-team")
    seed.team_run_with_member(agno_db, "st-team", at=seed.T0 + 7)
    seed.workflow_session(agno_db, "st-workflow")
    seed.workflow_run(agno_db, "st-workflow", at=seed.T0 + 8)
    argv = [
        sys.executable, "-c", "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())",
        "--config-file", str(CONFIG), "run", str(client.make_url("/openapi.json")),
        "--checks", CHECKS, "--phases", "examples,coverage,fuzzing", "--workers", "1",
        "--max-examples", os.environ.get("AGNO_SCHEMATHESIS_EXAMPLES", "25"),
        "--seed", os.environ.get("AGNO_SCHEMATHESIS_SEED", "1"), "--no-color",
    ]
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                                                env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"})
    output, _ = await asyncio.wait_for(proc.communicate(), timeout=300)
    report = output.decode(errors="replace")
    assert proc.returncode == 0, report[-6000:]
    assert "15 passed" in report or "passed" in report.split("Test cases:")[-1], report[-2000:]
