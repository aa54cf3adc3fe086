"""Logging: one JSON object per line, carrying the request id of the request being served."""

from __future__ import annotations

import datetime
import logging
import sys
from typing import Any

import orjson
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from .keys import REQUEST_CONTEXT_KEY
from .requestctx import current_context


class JsonFormatter(logging.Formatter):
    """Formats a record as compact JSON with the current request's id, if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = current_context.get()
        if context is not None:
            entry["request_id"] = context.request_id
        for key in ("request_id", "method", "path", "status", "duration_ms", "bytes", "client_ip", "db_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def configure_logging(level: str) -> None:
    """Route every logger to stderr as JSON lines at `level`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class JsonAccessLogger(AbstractAccessLogger):
    """One structured line per request; reads the shared RequestContext, never a middleware's clone."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        context = request.get(REQUEST_CONTEXT_KEY) if isinstance(request, web.Request) else None
        self.logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status,
            extra={
                "request_id": context.request_id if context else None,
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "duration_ms": round(time * 1000, 3),
                "bytes": response.body_length,
                "client_ip": context.remote if context else request.remote,
                "db_id": context.db_id if context else None,
            },
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
