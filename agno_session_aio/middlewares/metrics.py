"""Counts and times every request by method, route template and final status."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from ..metrics import Metrics
from .types import Middleware

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def make_metrics_middleware(metrics: Metrics) -> Middleware:
    """Labels use the route template (`/sessions/{session_id}`), never the raw path, to bound cardinality."""

    # Labelled children, looked up once per label set instead of on every request.
    counters: dict[tuple[str, str, str], Any] = {}
    timers: dict[tuple[str, str], Any] = {}

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
            # Methods are client-chosen tokens; unknown ones share one label to bound cardinality.
            method = request.method if request.method in KNOWN_METHODS else "OTHER"
            key = (method, route)
            if (counter := counters.get((*key, str(status)))) is None:
                counter = counters[(*key, str(status))] = metrics.requests.labels(*key, str(status))
            if (timer := timers.get(key)) is None:
                timer = timers[key] = metrics.request_seconds.labels(*key)
            counter.inc()
            timer.observe(time.perf_counter() - started)

    return metrics_middleware
