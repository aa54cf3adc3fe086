"""W3C trace context (traceparent) and an optional OpenTelemetry bridge behind one function."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import random
from collections.abc import Iterator, Mapping
from typing import Any, Final

import attrs
from aiohttp import web

logger = logging.getLogger(__name__)

TRACEPARENT_RE: Final = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


@attrs.frozen
class TraceParent:
    """The parts of a `traceparent` header we propagate."""

    trace_id: str
    parent_id: str
    flags: str

    @classmethod
    def new(cls) -> TraceParent:
        return cls(random_hex(128), new_span_id(), "01")


def random_hex(bits: int) -> str:
    """`bits` random bits as lowercase hex, never all zero (an invalid W3C id).

    Trace and request ids need to be unique, not secret: Python's PRNG (reseeded in forked workers) costs
    no system call, where `secrets` reads the kernel's random source for every id.
    """
    return f"{random.getrandbits(bits) or 1:0{bits // 4}x}"


def new_span_id() -> str:
    return random_hex(64)


def parse_traceparent(header: str) -> TraceParent | None:
    """A valid version-00-compatible header, else None (all-zero ids are invalid per the spec)."""
    match = TRACEPARENT_RE.match(header.strip().lower())
    if not match:
        return None
    version, trace_id, parent_id, flags = match.groups()
    if version == "ff" or trace_id == "0" * 32 or parent_id == "0" * 16:
        return None
    return TraceParent(trace_id, parent_id, flags)


def format_traceparent(trace_id: str, span_id: str, flags: str) -> str:
    return f"00-{trace_id}-{span_id}-{flags}"


class Span:
    """The server span of one request, as far as the middleware needs it."""

    def __init__(self, otel_span: Any) -> None:
        self._span = otel_span
        context = otel_span.get_span_context()
        self.span_id = format(context.span_id, "016x") if context.span_id else None

    def set_status_code(self, status: int) -> None:
        self._span.set_attribute("http.response.status_code", status)
        if status >= 500:
            from opentelemetry.trace import Status, StatusCode

            self._span.set_status(Status(StatusCode.ERROR))


class Tracer:
    """Wraps an OpenTelemetry tracer; only built when the SDK is installed and configured."""

    def __init__(self, otel_tracer: Any) -> None:
        self._tracer = otel_tracer

    @contextlib.contextmanager
    def server_span(self, request: web.Request, incoming: TraceParent | None) -> Iterator[Span]:
        from opentelemetry.propagate import extract
        from opentelemetry.trace import SpanKind

        # The global propagator is W3C trace context by default.
        parent_context = extract(dict(request.headers)) if incoming else None
        route = request.match_info.route.resource
        name = f"{request.method} {route.canonical if route is not None else 'unmatched'}"
        with self._tracer.start_as_current_span(name, context=parent_context, kind=SpanKind.SERVER) as span:
            span.set_attribute("http.request.method", request.method)
            span.set_attribute("url.path", request.path)
            yield Span(span)


def otel_tracer(environ: Mapping[str, str] = os.environ) -> Tracer | None:
    """An OTLP-exporting tracer when the `otel` extra is installed and OTEL_* variables ask for one, else None."""
    if environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return None
    wants = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if not wants or environ.get("OTEL_TRACES_EXPORTER", "otlp") == "none":
        return None
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        logger.warning("OTEL_* is set but the otel extra is not installed: pip install 'agno-session-aio[otel]'")
        return None
    # The SDK reads OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and the exporter settings itself.
    provider = TracerProvider(resource=Resource.create({"service.name": environ.get("OTEL_SERVICE_NAME",
                                                                                     "agno-session-aio")}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return Tracer(trace.get_tracer("agno_session_aio"))
