"""Accepting client connections: aiohttp's runner with a cap on how many are open at once.

Idle and slow clients each hold a socket and memory. Past `max_connections` a new connection gets one
JSON 503 and is closed, so the process keeps its file descriptors for the clients it already serves,
and the limit being hit is logged (at most every LIMIT_LOG_INTERVAL seconds).

aiohttp's C parser (llhttp) refuses any method it does not know with a plain-text 400 before the app
sees the request; AgentOS routes such a request like any other (405 with `Allow`, or 404). A
connection whose first request uses another method is therefore read by aiohttp's pure-Python parser.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from typing import Any, Final, cast

from aiohttp import web
from aiohttp.http_parser import HttpRequestParserPy
from aiohttp.web_protocol import RequestHandler, RequestPayloadError

from .errors import error_body
from .jsonutil import dumps

logger = logging.getLogger(__name__)

LIMIT_LOG_INTERVAL: Final = 10.0
# File descriptors beyond the client connections: pools, logs, the listening socket, the embedded server.
SPARE_FILE_DESCRIPTORS: Final = 256
_REFUSAL_BODY: Final = dumps(error_body("Too many open connections, try again later (AGNO_MAX_CONNECTIONS)"))
REFUSAL: Final = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
    b"Content-Length: " + str(len(_REFUSAL_BODY)).encode() + b"\r\n\r\n" + _REFUSAL_BODY
)


class _Refusal(asyncio.Protocol):
    """One connection past the cap: answered with REFUSAL and closed, its request unread."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.WriteTransport subclasses, but write like one.
        cast(asyncio.WriteTransport, transport).write(REFUSAL)
        transport.close()


# Request lines the C parser reads; a connection starting otherwise gets the pure-Python parser.
COMMON_METHODS: Final = (b"GET ", b"POST ", b"PATCH ", b"DELETE ", b"PUT ", b"HEAD ", b"OPTIONS ")


class _AnyMethodHandler(RequestHandler):
    """aiohttp's handler, switching a connection to the pure-Python parser when it opens with another method."""

    __slots__ = ("_checked",)

    def data_received(self, data: bytes) -> None:
        if not getattr(self, "_checked", False):
            self._checked = True
            if data and not data.startswith(COMMON_METHODS):
                self._parser = HttpRequestParserPy(
                    self, self._loop, self._read_bufsize, max_line_size=self.max_line_size,
                    max_headers=self.max_headers, max_field_size=self.max_field_size,
                    payload_exception=RequestPayloadError, max_msg_queue_size=self._max_msg_queue_size,
                )
        super().data_received(data)


class CappedRunner(web.AppRunner):
    """An AppRunner whose sites accept at most `max_connections` open client connections."""

    __slots__ = ("_max_connections", "_last_logged")

    def __init__(self, app: web.Application, *, max_connections: int, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._max_connections = max_connections
        self._last_logged = 0.0

    @property
    def server(self) -> Any:
        # What sites hand to loop.create_server as the protocol factory.
        return None if self._server is None else self._protocol

    def _protocol(self) -> asyncio.Protocol:
        assert self._server is not None
        server = self._server
        if len(server.connections) < self._max_connections:
            # Built as Server() builds its handlers (its private kwargs: aiohttp is pinned below 4).
            return _AnyMethodHandler(server, loop=server._loop, **server._kwargs)
        now = time.monotonic()
        if now - self._last_logged >= LIMIT_LOG_INTERVAL:
            self._last_logged = now
            logger.warning("%d client connections open (AGNO_MAX_CONNECTIONS): refusing new ones with 503",
                           self._max_connections)
        return _Refusal()


def ensure_file_descriptors(max_connections: int) -> None:
    """Raise the soft open-files limit toward what the connection cap needs; warn where the hard limit is lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = max_connections + SPARE_FILE_DESCRIPTORS
    if soft >= needed:
        return
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < needed:
        logger.warning("open-files limit %d is below AGNO_MAX_CONNECTIONS=%d plus %d spare: connections may"
                       " fail before the cap", target, max_connections, SPARE_FILE_DESCRIPTORS)
