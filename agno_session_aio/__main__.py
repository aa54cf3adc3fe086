"""`python -m agno_session_aio [--workers N]`: read the environment, configure logging, serve."""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .config import ENVIRONMENT, Config, ConfigError
from .logs import configure_logging
from .server import serve


def main(argv: list[str] | None = None) -> None:
    """Parse the flags, read the environment, and serve; bad configuration exits with one line."""
    parser = argparse.ArgumentParser(
        prog="agno-session-aio",
        description="Agno AgentOS's /sessions API as a standalone service. Configured by environment variables"
                    " (etc/README.md says what each does):",
        epilog="\n".join(f"  {name:<32} {meaning}" for name, meaning in ENVIRONMENT),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes sharing the port (SO_REUSEPORT); default AGNO_WORKERS or 1")
    parser.add_argument("--version", action="version", version=f"agno-session-aio {__version__}")
    args = parser.parse_args(argv)
    try:
        config = Config.from_env(os.environ)
        workers = args.workers if args.workers is not None else config.workers
        if workers < 1 or (workers > 1 and config.port == 0):
            raise ConfigError(f"--workers={workers}: needs 1 or more workers, and a fixed port for several")
    except ConfigError as exc:
        sys.exit(f"agno-session-aio: configuration error: {exc}")
    configure_logging(config.log_level, config.log_format)
    serve(config, workers)


if __name__ == "__main__":
    main()
