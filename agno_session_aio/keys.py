"""Every typed application and request key, declared in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

import datetime

if TYPE_CHECKING:
    from .config import Config
    from .databases import Databases
    from .metrics import Metrics
    from .requestctx import RequestContext

CONFIG_KEY = web.AppKey("config", "Config")
DATABASES_KEY = web.AppKey("databases", "Databases")
METRICS_KEY = web.AppKey("metrics", "Metrics")
# DSN of the embedded PostgreSQL, set by its cleanup context when no DSN is configured.
EMBEDDED_DSN_KEY = web.AppKey("embedded_dsn", str)
# When this app was built; /health reports it as AgentOS's instantiated_at.
STARTED_AT_KEY = web.AppKey("started_at", datetime.datetime)
REQUEST_CONTEXT_KEY = web.RequestKey("request_context", "RequestContext")
