"""CORS as AgentOS configures Starlette's CORSMiddleware: listed origins, credentials, any method and header.

Browser UIs (os.agno.com, a local UI on :3000) call the API cross-origin, so the answers to their
preflights and the headers on every response must be AgentOS's (contract §8).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from ..errors import CORS_REJECTED_STATUS
from .types import Middleware

DEFAULT_ORIGINS: Final = (
    "http://localhost:3000",
    "https://agno.com",
    "https://www.agno.com",
    "https://app.agno.com",
    "https://os-stg.agno.com",
    "https://os.agno.com",
)
ALL_METHODS: Final = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
PREFLIGHT_HEADERS: Final = {
    "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    "Access-Control-Request-Private-Network",
    "Access-Control-Allow-Methods": ", ".join(ALL_METHODS),
    "Access-Control-Max-Age": "600",
    "Access-Control-Allow-Credentials": "true",
}


def make_cors_middleware(origins: Iterable[str]) -> Middleware:
    """Answer preflights from allowed origins; label every response as Starlette does."""
    allowed = frozenset(origins)

    @web.middleware
    async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is not None and request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return _preflight(request, origin, allowed)
        response = await handler(request)
        if origin is not None:
            response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers["Access-Control-Expose-Headers"] = "*"
            if origin in allowed:
                response.headers["Access-Control-Allow-Origin"] = origin
        response.headers.add("Vary", "Origin")
        return response

    return cors_middleware


def _preflight(request: web.Request, origin: str, allowed: frozenset[str]) -> web.Response:
    headers = dict(PREFLIGHT_HEADERS)
    failures = []
    if origin in allowed:
        headers["Access-Control-Allow-Origin"] = origin
    else:
        failures.append("origin")
    if request.headers["Access-Control-Request-Method"] not in ALL_METHODS:
        failures.append("method")
    if requested := request.headers.get("Access-Control-Request-Headers"):
        headers["Access-Control-Allow-Headers"] = requested
    if "Access-Control-Request-Private-Network" in request.headers:
        failures.append("private-network")
    if failures:
        return web.Response(status=CORS_REJECTED_STATUS, text="Disallowed CORS " + ", ".join(failures), headers=headers)
    return web.Response(status=200, text="OK", headers=headers)
