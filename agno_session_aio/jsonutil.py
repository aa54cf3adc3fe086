"""orjson in and out: every response body goes through here."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from .errors import error_body

# AgentOS answers compact UTF-8 JSON; orjson's defaults already match that.
loads = orjson.loads


def dumps(data: Any) -> bytes:
    """Serialise to compact JSON bytes."""
    return orjson.dumps(data)


def json_response(data: Any, status: int = 200) -> web.Response:
    """A JSON response serialised once by orjson, without a str round trip."""
    return web.json_bytes_response(data, status=status, dumps=orjson.dumps)


def error_response(status: int, detail: Any, headers: dict[str, str] | None = None) -> web.Response:
    """An error response in AgentOS's shape."""
    response = json_response(error_body(detail), status=status)
    if headers:
        response.headers.update(headers)
    return response


def no_content() -> web.Response:
    """204 as AgentOS sends it: empty body, yet still labelled application/json (contract §9.11)."""
    return web.Response(status=204, headers={"Content-Type": "application/json"})
