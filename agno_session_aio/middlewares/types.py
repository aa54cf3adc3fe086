"""The type of a new-style aiohttp middleware."""

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Handler

Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]
