"""Counts and times every request by method, route template and final status."""

from __future__ import annotations

import time

from aiohttp import web
from aiohttp.typedefs import Handler

from ..metrics import Metrics
from .types import Middleware


def make_metrics_middleware(metrics: Metrics) -> Middleware:
    """Labels use the route template (`/sessions/{session_id}`), never the raw path, to bound cardinality."""

    @web.middleware
    async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            resource = request.match_info.route.resource
            route = resource.canonical if resource is not None else "unmatched"
            metrics.requests.labels(request.method, route, str(status)).inc()
            metrics.request_seconds.labels(request.method, route).observe(time.perf_counter() - started)

    return metrics_middleware
