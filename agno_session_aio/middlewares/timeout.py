"""Per-request timeout: cancels the handler (and its database work); the error middleware answers 504."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler

from .types import Middleware


def make_timeout_middleware(seconds: float) -> Middleware:
    """Bound every request to `seconds`."""

    @web.middleware
    async def timeout_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        async with asyncio.timeout(seconds):
            return await handler(request)

    return timeout_middleware
