"""Every typed application and request key, declared in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

import datetime

if TYPE_CHECKING:
    from .config import Config  # noqa: F401  (named in the AppKey subscripts below)
    from .databases import Databases  # noqa: F401  (named in the AppKey subscripts below)
    from .identity import Identity  # noqa: F401  (named in the AppKey subscripts below)
    from .metrics import Metrics  # noqa: F401  (named in the AppKey subscripts below)
    from .requestctx import RequestContext  # noqa: F401  (named in the AppKey subscripts below)

# Subscripted with forward references, so the keys carry their types for mypy without import cycles.
CONFIG_KEY = web.AppKey["Config"]("config")
DATABASES_KEY = web.AppKey["Databases"]("databases")
METRICS_KEY = web.AppKey["Metrics"]("metrics")
# DSN of the embedded PostgreSQL, set by its cleanup context when no DSN is configured.
EMBEDDED_DSN_KEY = web.AppKey("embedded_dsn", str)
# When this app was built; /health reports it as AgentOS's instantiated_at.
STARTED_AT_KEY = web.AppKey("started_at", datetime.datetime)
REQUEST_CONTEXT_KEY = web.RequestKey["RequestContext"]("request_context")
# Who the caller is, set by the auth middleware when a JWT (or, without auth, user isolation) names one.
IDENTITY_KEY = web.RequestKey["Identity"]("identity")
