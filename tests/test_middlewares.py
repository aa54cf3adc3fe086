"""Each middleware on a bare web.Application (one concern per test), plus its place in the real app."""

from __future__ import annotations

import ipaddress
import logging

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient

from agno_session_aio.keys import REQUEST_CONTEXT_KEY
from agno_session_aio.logs import JsonFormatter, install_record_factory
from agno_session_aio.metrics import Metrics
from agno_session_aio.middlewares import (
    make_metrics_middleware,
    make_real_ip_middleware,
    make_tracing_middleware,
    request_context_middleware,
)
from agno_session_aio.tracing import parse_traceparent


async def _echo(request: web.Request) -> web.Response:
    context = request[REQUEST_CONTEXT_KEY]
    return web.json_response({"remote": request.remote, "context_remote": context.remote,
                              "request_id": context.request_id, "trace_id": context.trace_id})


def _app(*middlewares: object) -> web.Application:
    app = web.Application(middlewares=[request_context_middleware, *middlewares])  # type: ignore[list-item]
    app.router.add_get("/echo", _echo)
    app.router.add_get("/items/{item_id}", _echo)
    return app


TRUSTED = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("10.0.0.0/8")]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "127.0.0.1"),
        ({"X-Forwarded-For": "203.0.113.7"}, "203.0.113.7"),
        ({"X-Forwarded-For": "203.0.113.7, 10.1.2.3"}, "203.0.113.7"),
        # the right-most untrusted hop wins: a client cannot spoof by prepending
        ({"X-Forwarded-For": "1.1.1.1, 203.0.113.7, 10.1.2.3"}, "203.0.113.7"),
        ({"X-Forwarded-For": "10.0.0.5, 10.0.0.6"}, "10.0.0.5"),
        ({"X-Forwarded-For": "not-an-ip"}, "127.0.0.1"),
        ({"X-Real-IP": "198.51.100.9"}, "198.51.100.9"),
        ({"Forwarded": 'for=192.0.2.60;proto=http, for="[2001:db8::1]:4711"'}, "2001:db8::1"),
        ({"Forwarded": "for=192.0.2.60:8080"}, "192.0.2.60"),
    ],
)
async def test_real_ip_from_trusted_proxy(aiohttp_client: AiohttpClient, headers: dict[str, str],
                                          expected: str) -> None:
    real_ip = make_real_ip_middleware(TRUSTED)
    client = await aiohttp_client(_app(real_ip))
    body = await (await client.get("/echo", headers=headers)).json()
    assert body["remote"] == expected and body["context_remote"] == expected


async def test_real_ip_ignores_headers_from_untrusted_peers(aiohttp_client: AiohttpClient) -> None:
    real_ip = make_real_ip_middleware([ipaddress.ip_network("192.0.2.0/24")])
    client = await aiohttp_client(_app(real_ip))
    body = await (await client.get("/echo", headers={"X-Forwarded-For": "203.0.113.7"})).json()
    assert body["remote"] == "127.0.0.1"


def test_real_ip_disabled_without_trusted_networks() -> None:
    assert make_real_ip_middleware([]) is None


@pytest.mark.parametrize(
    ("header", "valid"),
    [
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", True),
        ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-00", True),
        ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", False),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", False),
        ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", False),
        ("garbage", False),
        ("", False),
    ],
)
def test_tracing_parses_traceparent(header: str, valid: bool) -> None:
    assert (parse_traceparent(header) is not None) == valid


async def test_tracing_continues_callers_trace(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(_app(make_tracing_middleware(None)))
    incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    response = await client.get("/echo", headers={"traceparent": incoming})
    assert (await response.json())["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    outgoing = parse_traceparent(response.headers["traceparent"])
    assert outgoing is not None and outgoing.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert outgoing.parent_id != "00f067aa0ba902b7"
    fresh = await client.get("/echo")
    assert len((await fresh.json())["trace_id"]) == 32


async def test_tracing_opentelemetry_span(aiohttp_client: AiohttpClient) -> None:
    sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from agno_session_aio.tracing import Tracer

    exporter = InMemorySpanExporter()
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    client = await aiohttp_client(_app(make_tracing_middleware(Tracer(provider.get_tracer("test")))))
    incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    response = await client.get("/items/42", headers={"traceparent": incoming})
    (span,) = exporter.get_finished_spans()
    assert span.name == "GET /items/{item_id}"
    assert format(span.context.trace_id, "032x") == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert format(span.parent.span_id, "016x") == "00f067aa0ba902b7"
    assert span.attributes["http.response.status_code"] == 200
    assert response.headers["traceparent"].split("-")[2] == format(span.context.span_id, "016x")


async def test_metrics_counts_by_route_template(aiohttp_client: AiohttpClient) -> None:
    metrics = Metrics()
    client = await aiohttp_client(_app(make_metrics_middleware(metrics)))
    for item in ("1", "2"):
        await client.get(f"/items/{item}")
    await client.get("/nowhere")
    assert metrics.registry.get_sample_value(
        "agno_session_http_requests_total", {"method": "GET", "route": "/items/{item_id}", "status": "200"}) == 2
    assert metrics.registry.get_sample_value(
        "agno_session_http_requests_total", {"method": "GET", "route": "unmatched", "status": "404"}) == 1
    assert metrics.registry.get_sample_value(
        "agno_session_http_request_duration_seconds_count", {"method": "GET", "route": "/items/{item_id}"}) == 2


async def test_request_id_reaches_log_records(aiohttp_client: AiohttpClient, caplog: pytest.LogCaptureFixture) -> None:
    async def logs(request: web.Request) -> web.Response:
        logging.getLogger("agno_session_aio.test").warning("inside the handler")
        return web.json_response({})

    install_record_factory()
    app = _app()
    app.router.add_get("/logs", logs)
    client = await aiohttp_client(app)
    with caplog.at_level(logging.WARNING):
        await client.get("/logs", headers={"X-Request-ID": "trace-me-7"})
    (record,) = [r for r in caplog.records if r.getMessage() == "inside the handler"]
    assert '"request_id":"trace-me-7"' in JsonFormatter().format(record)
