"""create_app: the only module that wires middlewares, cleanup contexts and routes together."""

from __future__ import annotations

import datetime

from aiohttp import web

from .config import Config
from .databases import pg_pools
from .embedded import embedded_pg
from .keys import CONFIG_KEY, DATABASES_KEY, METRICS_KEY, STARTED_AT_KEY
from .metrics import Metrics
from .middlewares import (
    DEFAULT_ORIGINS,
    error_middleware,
    make_cors_middleware,
    make_auth_middleware,
    make_metrics_middleware,
    make_real_ip_middleware,
    make_timeout_middleware,
    make_tracing_middleware,
    request_context_middleware,
)
from .routes import AGENTOS_OPEN_PATHS, OPEN_ROUTES, AgentOSRouter, setup_routes
from .tracing import Tracer


def create_app(config: Config, tracer: Tracer | None = None) -> web.Application:
    """Build the service; nothing is awaited here, the cleanup contexts do the async start-up."""
    metrics = Metrics()
    real_ip = make_real_ip_middleware(config.trusted_proxies)
    auth = make_auth_middleware(config, [*AGENTOS_OPEN_PATHS, *(path for path, _ in OPEN_ROUTES)])
    middlewares = [
        # Outermost, so every response (errors and timeouts too) carries the request id.
        request_context_middleware,
        # Preflights are answered before auth, and every answer (a 401 too) gets AgentOS's CORS headers.
        make_cors_middleware(config.cors_origins if config.cors_origins is not None else DEFAULT_ORIGINS),
        # Before anything that logs or traces, so they see the client and not the proxy.
        *([real_ip] if real_ip else []),
        # Tracing and metrics sit outside the error middleware to see the final status of every request.
        make_tracing_middleware(tracer),
        make_metrics_middleware(metrics),
        # Outside auth and the timeout, so a 401 or a TimeoutError still leaves as agno's JSON body.
        error_middleware,
        # Auth runs before any parsing, as in AgentOS: an unauthenticated bad request is a 401, not a 422.
        # It also runs with no credentials configured when user isolation needs the asserted user_id.
        *([auth] if auth else []),
        make_timeout_middleware(config.request_timeout),
    ]
    # Larger bodies answer 413 in agno's error shape (views.BaseView.json_body).
    app = web.Application(router=AgentOSRouter(), middlewares=middlewares, client_max_size=config.max_body_bytes)
    app[CONFIG_KEY] = config
    app[METRICS_KEY] = metrics
    app[STARTED_AT_KEY] = datetime.datetime.now(datetime.timezone.utc)
    metrics.watch_pools(lambda: app.get(DATABASES_KEY))
    # The embedded server must be up before the pools connect to it, and stop after they close.
    app.cleanup_ctx.append(embedded_pg)
    app.cleanup_ctx.append(pg_pools)
    setup_routes(app)
    return app
