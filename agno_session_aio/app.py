"""create_app: the only module that wires middlewares, cleanup contexts and routes together."""

from __future__ import annotations

import datetime

from aiohttp import web

from .config import Config
from .databases import pg_pools
from .embedded import embedded_pg
from .keys import CONFIG_KEY, STARTED_AT_KEY
from .middlewares import (
    error_middleware,
    make_auth_middleware,
    make_timeout_middleware,
    request_context_middleware,
)
from .routes import OPEN_ROUTES, setup_routes


def create_app(config: Config) -> web.Application:
    """Build the service; nothing is awaited here, the cleanup contexts do the async start-up."""
    auth = make_auth_middleware(config.security_key, [path for path, _ in OPEN_ROUTES])
    middlewares = [
        # Outermost, so every response (errors and timeouts too) carries the request id.
        request_context_middleware,
        # Outside auth and the timeout, so a 401 or a TimeoutError still leaves as agno's JSON body.
        error_middleware,
        # Auth runs before any parsing, as in AgentOS: an unauthenticated bad request is a 401, not a 422.
        *([auth] if auth else []),
        make_timeout_middleware(config.request_timeout),
    ]
    app = web.Application(middlewares=middlewares)
    app[CONFIG_KEY] = config
    app[STARTED_AT_KEY] = datetime.datetime.now(datetime.timezone.utc)
    # The embedded server must be up before the pools connect to it, and stop after they close.
    app.cleanup_ctx.append(embedded_pg)
    app.cleanup_ctx.append(pg_pools)
    setup_routes(app)
    return app
