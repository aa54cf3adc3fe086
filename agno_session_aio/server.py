"""Serving: one process, or N worker processes sharing the port through SO_REUSEPORT."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import re
import signal
import sys
import time
from types import FrameType

from aiohttp import web

from .app import create_app
from .config import Config
from .databases import DatabaseStartupError
from .embedded import EmbeddedUnavailable
from .logs import JsonAccessLogger, flush_logs
from .tracing import otel_tracer

logger = logging.getLogger("agno_session_aio")


def serve(config: Config, workers: int = 1) -> None:
    """Run until SIGTERM/SIGINT; exits with one clear line when start-up fails."""
    if workers == 1:
        _serve_one(config, reuse_port=False)
    else:
        _supervise(config, workers)


def _new_loop(choice: str) -> asyncio.AbstractEventLoop:
    """AGNO_EVENT_LOOP: uvloop where installed ("auto"), or the one asked for."""
    if choice == "asyncio":
        return asyncio.new_event_loop()
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            sys.exit("agno-session-aio: AGNO_EVENT_LOOP=uvloop, but uvloop is not installed (the `fast` extra)")
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _serve_one(config: Config, *, reuse_port: bool) -> None:
    try:
        web.run_app(
            create_app(config, otel_tracer()),
            host=config.host,
            port=config.port,
            reuse_port=reuse_port,
            # SIGTERM: stop accepting, let in-flight requests finish within the grace period, then clean up.
            shutdown_timeout=config.shutdown_grace,
            # aiohttp counts it from the last answer (or the connect), so it also bounds slow headers.
            keepalive_timeout=config.keepalive_timeout,
            access_log_class=JsonAccessLogger,
            loop=_new_loop(config.event_loop),
            print=lambda banner: logger.info("session service listening on :%s", _bound_port(banner, config.port)),
        )
    except (DatabaseStartupError, EmbeddedUnavailable) as exc:
        sys.exit(f"agno-session-aio: {exc}")
    finally:
        # A forked worker exits without atexit hooks, which would drop the last queued log lines.
        flush_logs()


def _bound_port(banner: str, configured: int) -> str:
    """The port run_app actually bound (differs from the configured one for port 0)."""
    found = re.search(r":(\d+)\b", banner)
    return found.group(1) if found else str(configured)


def _supervise(config: Config, workers: int) -> None:
    """Start the workers, pass SIGTERM/SIGINT on to them, and stop them all if one dies."""
    # Fork before any event loop exists; each worker builds its own app, pools and loop.
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(target=_serve_one, args=(config,), kwargs={"reuse_port": True}, name=f"worker-{n}")
        for n in range(workers)
    ]
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for process in processes:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for process in processes:
        process.start()
    logger.info("started %d workers: %s", workers, ", ".join(str(p.pid) for p in processes))
    while not stopping and all(process.is_alive() for process in processes):
        time.sleep(0.2)
    if not stopping:
        failed = next(process for process in processes if not process.is_alive())
        logger.error("worker %s exited with %s; stopping the others", failed.pid, failed.exitcode)
        stop(signal.SIGTERM, None)
    deadline = time.monotonic() + config.shutdown_grace + 5
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()
    codes = [process.exitcode for process in processes]
    sys.exit(0 if stopping and all(code == 0 for code in codes) else 1)
