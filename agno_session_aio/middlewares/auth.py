"""AgentOS's security-key check (contract §1.5): Bearer token, constant-time comparison, agno's 401 texts."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from ..errors import Unauthorized
from .types import Middleware

SERVICE_TOKEN_PREFIX: Final = "agno_pat_"


def make_auth_middleware(security_key: str | None, open_paths: Iterable[str]) -> Middleware | None:
    """The auth middleware, or None when no key is configured (AgentOS is then open too)."""
    if not security_key:
        return None
    exempt = frozenset(open_paths)
    expected = security_key.encode()

    @web.middleware
    async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        # AgentOS lets CORS preflights through and ignores a trailing slash on its open routes.
        if request.method == "OPTIONS" or request.path.rstrip("/") in exempt:
            return await handler(request)
        token = bearer_token(request.headers.get("Authorization", ""))
        if not token:
            raise Unauthorized("Authorization header required")
        if token.startswith(SERVICE_TOKEN_PREFIX):
            # Service-account tokens live in AgentOS's own database; none is valid here.
            raise Unauthorized("Invalid or expired service account token")
        # aiohttp keeps undecodable header bytes as surrogates; they must compare, not crash.
        if not hmac.compare_digest(token.encode("utf-8", "surrogateescape"), expected):
            raise Unauthorized("Invalid authentication token")
        return await handler(request)

    return auth_middleware


def bearer_token(authorization: str) -> str:
    """"Bearer <key>" (any case) or a bare key, whitespace-stripped, as agno extracts it."""
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return authorization.strip()
