"""Launch the real Agno AgentOS (the contract oracle) under uvicorn.

Run as a script by the contract suite (tests/contract/infra.py) and the benchmark (scripts/bench.py),
never imported by them:

    python devkit/agentos_app.py

Configuration comes from the environment:

* ``AGENTOS_DB_URL``  SQLAlchemy URL, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/db``
  (psycopg 3 also accepts ``postgresql+psycopg://postgres:@/db?host=/socket/dir``)
* ``AGENTOS_DB_ID``   the db_id AgentOS registers the database under (default ``contract-db``)
* ``AGENTOS_PORT``    TCP port on 127.0.0.1
* ``AGENTOS_AGENT_ID``  the id of the one agent (default ``contract-agent``)
* ``AGENTOS_JWT``     JSON of JWT settings (``test_jwt.py``): ``authorization`` (bool: the
  ``Authorization(...)`` object, else the validate-only ``AuthorizationConfig``), ``user_isolation``, and
  ``algorithm``, ``verify_audience``, ``audience``, ``issuer``, ``admin_scope``; the keys come from
  ``JWT_VERIFICATION_KEY`` / ``JWT_JWKS_FILE``, which agno reads itself
* ``AGENTOS_OS_DB=1`` also pass the database as AgentOS's own ``db`` (the usual production
  setup: it is what enables service-account tokens, so an unknown ``agno_pat_`` token answers
  "Invalid or expired service account token" instead of "Service accounts are not enabled ...")

No model is ever called: the agent exists only so AgentOS has a component and a database.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("OPENAI_API_KEY", "dummy")
os.environ.setdefault("AGNO_TELEMETRY", "false")


def build_app() -> Any:
    from agno.agent import Agent
    from agno.db.postgres import PostgresDb
    from agno.os import AgentOS

    db = PostgresDb(
        db_url=os.environ["AGENTOS_DB_URL"],
        id=os.environ.get("AGENTOS_DB_ID", "contract-db"),
    )
    agent = Agent(id=os.environ.get("AGENTOS_AGENT_ID", "contract-agent"), name="Contract Agent", db=db)
    os_db = db if os.environ.get("AGENTOS_OS_DB") == "1" else None
    return AgentOS(agents=[agent], db=os_db, telemetry=False, **_jwt_kwargs()).get_app()


def _jwt_kwargs() -> dict[str, Any]:
    import json

    from agno.os.authz import Authorization
    from agno.os.config import AuthorizationConfig

    raw = os.environ.get("AGENTOS_JWT")
    if not raw:
        return {}
    settings = json.loads(raw)
    isolation = settings.pop("user_isolation", False)
    if not settings:  # isolation without auth: the user_id query value is the caller
        return {"user_isolation": isolation}
    if settings.pop("authorization", False):
        return {"authorization": Authorization(**settings), "user_isolation": isolation}
    # JWT keys in the environment without authorization: tokens verified, no scope checks
    return {"authorization_config": AuthorizationConfig(**settings), "user_isolation": isolation}


def main() -> None:
    import uvicorn

    uvicorn.run(
        build_app(),
        host="127.0.0.1",
        port=int(os.environ["AGENTOS_PORT"]),
        log_level=os.environ.get("AGENTOS_LOG_LEVEL", "warning"),
        access_log=False,
    )


if __name__ == "__main__":
    main()
