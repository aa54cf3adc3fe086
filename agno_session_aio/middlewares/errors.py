"""Recovery: every failure leaves as AgentOS's JSON error body, and the process keeps serving."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from ..errors import ApiError, InternalError, RequestTimedOut
from ..jsonutil import error_response

logger = logging.getLogger(__name__)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map ApiError, aiohttp's HTTP errors, timeouts and stray exceptions to JSON; never re-raise."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.detail)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        # aiohttp's reasons ("Not Found", "Method Not Allowed") are Starlette's texts too.
        headers = {k: v for k, v in exc.headers.items() if k.lower() not in {"content-type", "content-length"}}
        if exc.status == 405:
            # Starlette names only the first route of the path's methods (contract §1.1); views say which.
            allow = getattr(request.match_info.handler, "ALLOW_HEADER", None)
            if allow:
                headers["Allow"] = allow
        return error_response(exc.status, exc.reason, headers)
    except TimeoutError:
        logger.warning("request timed out: %s %s", request.method, request.path)
        timed_out = RequestTimedOut()
        return error_response(timed_out.status, timed_out.detail)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        logger.exception("unhandled error in %s %s", request.method, request.path)
        internal = InternalError(exc)
        return error_response(internal.status, internal.detail)
