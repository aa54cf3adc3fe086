"""The URL table: every path the service answers, on one screen."""

from __future__ import annotations

from aiohttp import web

from . import views

SESSION_ROUTES = (
    ("/sessions", views.SessionsView),
    ("/sessions/{session_id}", views.SessionView),
    ("/sessions/{session_id}/rename", views.RenameView),
    ("/sessions/{session_id}/runs", views.SessionRunsView),
    ("/sessions/{session_id}/run-previews", views.SessionRunPreviewsView),
    ("/sessions/{session_id}/runs/{run_id}", views.RunView),
)

# Health routes stay open when a security key is set.
OPEN_ROUTES = (
    ("/health", views.HealthView),
    ("/healthz", views.LivenessView),
    ("/readyz", views.ReadinessView),
)


def setup_routes(app: web.Application) -> None:
    """Register every view; AgentOS strips a trailing slash before routing, so both forms are served."""
    for path, view in (*OPEN_ROUTES, *SESSION_ROUTES):
        app.router.add_view(path, view)
        app.router.add_view(path + "/", view)
