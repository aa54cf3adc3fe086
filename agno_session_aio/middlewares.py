"""Small single-purpose middlewares; their order is fixed in app.py."""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from .errors import ApiError
from .jsonutil import error_response
from .keys import REQUEST_CONTEXT_KEY
from .requestctx import RequestContext, current_context

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER: Final = "X-Request-ID"
# Accept a caller's id only if it is short and printable, so it is safe in logs and headers.
SANE_REQUEST_ID: Final = re.compile(r"^[A-Za-z0-9._:/+=@-]{1,128}$")
SERVICE_TOKEN_PREFIX: Final = "agno_pat_"
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


@web.middleware
async def request_context_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give every request an id (the caller's if sane), echo it, and expose it to logs."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = incoming if SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    context = RequestContext(request_id=request_id, remote=request.remote)
    request[REQUEST_CONTEXT_KEY] = context
    token = current_context.set(context)
    try:
        response = await handler(request)
    finally:
        current_context.reset(token)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into AgentOS's JSON error shape; never re-raise, so outer layers see a response."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.detail)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        # aiohttp's reasons ("Not Found", "Method Not Allowed") are Starlette's texts too.
        headers = {k: v for k, v in exc.headers.items() if k.lower() not in {"content-type", "content-length"}}
        return error_response(exc.status, exc.reason, headers)
    except TimeoutError:
        logger.warning("request timed out: %s %s", request.method, request.path)
        return error_response(504, "Request timed out")
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(500, f"Internal server error ({type(exc).__name__})")


def make_timeout_middleware(seconds: float) -> Middleware:
    """Bound each request; the database work is cancelled with it and the error middleware answers 504."""

    @web.middleware
    async def timeout_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        async with asyncio.timeout(seconds):
            return await handler(request)

    return timeout_middleware


def make_auth_middleware(security_key: str | None, open_paths: Iterable[str]) -> Middleware | None:
    """AgentOS's security-key check (contract §1.5), or None when no key is configured."""
    if not security_key:
        return None
    exempt = frozenset(open_paths)
    expected = security_key.encode()

    @web.middleware
    async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in exempt:
            return await handler(request)
        token = _bearer_token(request.headers.get("Authorization", ""))
        if not token:
            raise ApiError(401, "Authorization header required")
        if token.startswith(SERVICE_TOKEN_PREFIX):
            # Service-account tokens live in AgentOS's own database; none is valid here.
            raise ApiError(401, "Invalid or expired service account token")
        if not hmac.compare_digest(token.encode(), expected):
            raise ApiError(401, "Invalid authentication token")
        return await handler(request)

    return auth_middleware


def _bearer_token(authorization: str) -> str:
    """"Bearer <key>" (any case) or a bare key, whitespace-stripped, as agno extracts it."""
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return authorization.strip()
