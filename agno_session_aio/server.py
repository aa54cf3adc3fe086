"""Serving: one process, or N worker processes sharing the port through SO_REUSEPORT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from types import FrameType
from typing import Final

from aiohttp import web

from .app import create_app
from .config import Config
from .databases import DatabaseStartupError
from .embedded import EmbeddedUnavailable
from .listener import CappedRunner, ensure_file_descriptors
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
    """One process: serve until SIGTERM/SIGINT, then finish in-flight requests and clean up."""
    loop = _new_loop(config.event_loop)
    asyncio.set_event_loop(loop)
    main = loop.create_task(_serve(config, reuse_port=reuse_port))
    try:
        loop.run_until_complete(main)
    except (web.GracefulExit, KeyboardInterrupt):
        pass  # the runner's signal handlers raise GracefulExit; shutdown follows
    except (DatabaseStartupError, EmbeddedUnavailable, ListenError) as exc:
        sys.exit(f"agno-session-aio: {exc}")
    finally:
        try:
            if not main.done():
                main.cancel()  # runs _serve's cleanup: stop accepting, wait for in-flight requests
                with contextlib.suppress(asyncio.CancelledError):
                    loop.run_until_complete(main)
        finally:
            _cancel_remaining(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            # A forked worker exits without atexit hooks, which would drop the last queued log lines.
            flush_logs()


# The longest request line, and the longest header, a client may send.
MAX_HEAD_BYTES: Final = 16 * 1024


async def _serve(config: Config, *, reuse_port: bool) -> None:
    ensure_file_descriptors(config.max_connections)
    # Bound first: a port in use ends the start before any database is touched.
    sock = _bind(config.host, config.port, reuse_port=reuse_port)
    runner = CappedRunner(
        create_app(config, otel_tracer()),
        max_connections=config.max_connections,
        handle_signals=True,
        access_log_class=JsonAccessLogger,
        # aiohttp counts it from the last answer (or the connect), so it also bounds slow headers.
        keepalive_timeout=config.keepalive_timeout,
        # SIGTERM: stop accepting, let in-flight requests finish within the grace period, then clean up.
        shutdown_timeout=config.shutdown_grace,
        # uvicorn (h11) takes 16 KiB of request line and headers where aiohttp's default is 8190 bytes per
        # line: identity providers' JWTs with many group claims reach 8 KiB, and AgentOS accepts them.
        max_line_size=MAX_HEAD_BYTES,
        max_field_size=MAX_HEAD_BYTES,
    )
    try:
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
            logger.info("session service listening on :%s", sock.getsockname()[1])
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
    finally:
        sock.close()


class ListenError(RuntimeError):
    """The listening address cannot be bound (in use, not local, not permitted)."""


def _bind(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.setblocking(False)
    return sock


def _cancel_remaining(loop: asyncio.AbstractEventLoop) -> None:
    tasks = asyncio.all_tasks(loop)
    for task in tasks:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


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
