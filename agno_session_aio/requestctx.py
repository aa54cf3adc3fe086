"""Per-request context shared by middlewares, views, the access log and every log line."""

from __future__ import annotations

import contextvars

import attrs


@attrs.define(kw_only=True)
class RequestContext:
    """Mutable on purpose: later middlewares and views fill in what they learn (db_id)."""

    request_id: str
    remote: str | None = None
    db_id: str | None = None
    trace_id: str | None = None


# Log records read the current request's context from here (logs.py).
current_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "agno_session_request_context", default=None
)
