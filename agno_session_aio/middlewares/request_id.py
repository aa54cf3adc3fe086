"""Request id: the caller's X-Request-ID if sane, else a new one; echoed and put in every log line."""

from __future__ import annotations

import re
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from ..keys import REQUEST_CONTEXT_KEY
from ..requestctx import RequestContext, current_context
from ..tracing import random_hex

REQUEST_ID_HEADER: Final = "X-Request-ID"
# Accept a caller's id only if it is short and printable, so it is safe in logs and headers.
SANE_REQUEST_ID: Final = re.compile(r"^[A-Za-z0-9._:/+=@-]{1,128}$")


@web.middleware
async def request_context_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Create the request's shared context, expose it to logs, and echo the id on the response."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = incoming if SANE_REQUEST_ID.match(incoming) else random_hex(128)
    context = RequestContext(request_id=request_id, remote=request.remote)
    request[REQUEST_CONTEXT_KEY] = context
    token = current_context.set(context)
    try:
        response = await handler(request)
    finally:
        current_context.reset(token)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response
