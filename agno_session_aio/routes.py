"""The URL table: every path the service answers, on one screen."""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.web_urldispatcher import UrlMappingMatchInfo
from yarl import URL

from . import views

# A path segment, matched on the raw path; an encoded slash (%2F) never reaches it, because AgentOSRouter
# decodes it first, as uvicorn does for AgentOS (contract §1.1). Possessive, so a failing match never
# backtracks into it.
SEGMENT = r"[^/]++"
SESSION = "{session_id:" + SEGMENT + "}"

SESSION_ROUTES = (
    ("/sessions", views.SessionsView),
    (f"/sessions/{SESSION}", views.SessionView),
    (f"/sessions/{SESSION}/rename", views.RenameView),
    (f"/sessions/{SESSION}/runs", views.SessionRunsView),
    (f"/sessions/{SESSION}/run-previews", views.SessionRunPreviewsView),
    (f"/sessions/{SESSION}/runs/{{run_id:{SEGMENT}}}", views.RunView),
    # Starlette's `path` convertor: the key may hold slashes.
    (f"/sessions/{SESSION}/media/{{storage_key:.+}}", views.MediaView),
)

# Health, metrics and the API's description stay open in every auth mode (probes, scrapers and API
# browsers carry no credentials).
OPEN_ROUTES = (
    ("/health", views.HealthView),
    ("/openapi.json", views.OpenAPIView),
    ("/docs", views.DocsView),
    ("/healthz", views.LivenessView),
    ("/readyz", views.ReadinessView),
    ("/metrics", views.MetricsView),
)


# Paths AgentOS serves without credentials, whatever its auth mode (docs/contract.md §1.5).
AGENTOS_OPEN_PATHS = ("/", "/health", "/info", "/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect")


def agentos_path(request: web.Request) -> str:
    """The path as AgentOS's middlewares see it: percent-decoded (by uvicorn), trailing slashes stripped."""
    path = request.path
    if path != "/" and path.endswith("/"):
        return path.rstrip("/") or path
    return path


# Encoded slashes, which uvicorn decodes before AgentOS routes.
ENCODED_SLASH = re.compile("%2[Ff]")


class AgentOSRouter(web.UrlDispatcher):
    """aiohttp's router, matching the path AgentOS would match.

    Encoded slashes are slashes (uvicorn decodes the path), and trailing slashes are dropped
    (AgentOS's trailing-slash middleware): `/sessions%2Fx/` is the detail of `x`, `/sessions//` the list.
    """

    async def resolve(self, request: web.Request) -> UrlMappingMatchInfo:
        raw = request.rel_url.raw_path
        if (raw.endswith("/") and raw != "/") or "%2" in raw:
            path = ENCODED_SLASH.sub("/", raw).rstrip("/") or "/"
            if path != raw:
                url = URL.build(path=path, query_string=request.rel_url.raw_query_string, encoded=True)
                request = request.clone(rel_url=url)
        return await super().resolve(request)


def setup_routes(app: web.Application) -> None:
    """Register every view (the app's router is an AgentOSRouter, which serves trailing slashes too)."""
    for path, view in (*OPEN_ROUTES, *SESSION_ROUTES):
        app.router.add_view(path, view)
