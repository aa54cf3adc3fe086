"""The URL table: every path the service answers, on one screen."""

from __future__ import annotations

from aiohttp import web

from . import views

# A path segment, matched on the raw path: an encoded slash (%2F) is not part of an id, because
# AgentOS decodes it before routing and then matches no route (contract §1.1).
# Runs of plain characters are taken at once (possessive, so a failing match never backtracks into them).
SEGMENT = r"(?:[^/%]++|%(?![2][Ff]))+"
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

# Health and metrics routes stay open when a security key is set (probes and scrapers carry no key).
OPEN_ROUTES = (
    ("/health", views.HealthView),
    ("/healthz", views.LivenessView),
    ("/readyz", views.ReadinessView),
    ("/metrics", views.MetricsView),
)


def setup_routes(app: web.Application) -> None:
    """Register every view; AgentOS strips a trailing slash before routing, so both forms are served."""
    for path, view in (*OPEN_ROUTES, *SESSION_ROUTES):
        app.router.add_view(path, view)
        app.router.add_view(path + "/", view)
