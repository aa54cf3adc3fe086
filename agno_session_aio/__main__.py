"""`python -m agno_session_aio`: read the environment, configure logging, serve."""

from __future__ import annotations

import logging
import os
import re
import sys

from aiohttp import web

from .app import create_app
from .config import Config, ConfigError
from .databases import DatabaseStartupError
from .embedded import EmbeddedUnavailable
from .logs import JsonAccessLogger, configure_logging
from .tracing import otel_tracer

logger = logging.getLogger("agno_session_aio")


def main() -> None:
    """Run the service until SIGINT/SIGTERM; a bad configuration exits with one clear line."""
    try:
        config = Config.from_env(os.environ)
    except ConfigError as exc:
        sys.exit(f"agno-session-aio: configuration error: {exc}")
    configure_logging(config.log_level, config.log_format)
    try:
        web.run_app(
            create_app(config, otel_tracer()),
            host=config.host,
            port=config.port,
            # SIGTERM: stop accepting, let in-flight requests finish within the grace period, then clean up.
            shutdown_timeout=config.shutdown_grace,
            keepalive_timeout=75,
            access_log_class=JsonAccessLogger,
            print=lambda message: logger.info("session service listening on :%s", _bound_port(message, config.port)),
        )
    except (DatabaseStartupError, EmbeddedUnavailable) as exc:
        sys.exit(f"agno-session-aio: {exc}")


def _bound_port(banner: str, configured: int) -> str:
    """The port run_app actually bound (differs from the configured one for port 0)."""
    found = re.search(r":(\d+)\b", banner)
    return found.group(1) if found else str(configured)


if __name__ == "__main__":
    main()
