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
        for key in ("request_id", "trace_id", "method", "path", "status", "duration_ms", "bytes", "client_ip", "db_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


class TextFormatter(logging.Formatter):
    """Human-readable lines for local runs, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request = f" [{request_id}]" if request_id else ""
        return super().format(record)


_base_factory = logging.getLogRecordFactory()


def _record_with_context(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    context = current_context.get()
    # Captured when the record is made, while the request's context is still current.
    if context is not None and not hasattr(record, "request_id"):
        record.request_id = context.request_id
        if context.trace_id:
            record.trace_id = context.trace_id
    return record


def install_record_factory() -> None:
    """Make every log record carry the current request's id and trace id."""
    logging.setLogRecordFactory(_record_with_context)


def configure_logging(level: str, log_format: str = "json") -> None:
    """Route every logger to stderr at `level`, as JSON lines or as text."""
    install_record_factory()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
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
