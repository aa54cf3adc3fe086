"""Tracing: continue the caller's W3C trace (or start one), log its trace id, and open an OTel span if enabled."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from ..keys import REQUEST_CONTEXT_KEY
from ..tracing import TraceParent, Tracer, format_traceparent, new_span_id, parse_traceparent
from .types import Middleware


def make_tracing_middleware(tracer: Tracer | None) -> Middleware:
    """Propagates `traceparent`; with an OpenTelemetry tracer, each request is also a server span."""

    @web.middleware
    async def tracing_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        incoming = parse_traceparent(request.headers.get("traceparent", ""))
        parent = incoming or TraceParent.new()
        if REQUEST_CONTEXT_KEY in request:
            request[REQUEST_CONTEXT_KEY].trace_id = parent.trace_id
        if tracer is None:
            response = await handler(request)
            span_id = new_span_id()
        else:
            with tracer.server_span(request, incoming) as span:
                response = await handler(request)
                span.set_status_code(response.status)
                span_id = span.span_id or new_span_id()
        # Tell the caller which span served it, in the same trace.
        response.headers["traceparent"] = format_traceparent(parent.trace_id, span_id, parent.flags)
        return response

    return tracing_middleware
