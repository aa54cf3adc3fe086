"""JSON in and out: orjson on the fast path, the stdlib where orjson would lose or refuse data."""

from __future__ import annotations

import json
from typing import Any, Final

import orjson
from aiohttp import web

from . import deepjson
from .errors import error_body

# orjson reads integers beyond 64 bits as floats (silently lossy) and refuses deep nesting; a run of
# 19 digits (below -2**63 a 19-digit integer is already too wide) sends the document to the stdlib
# parser, which keeps every integer exact. The run is found
# by mapping digits to 1 and everything else to 0 (bytes.translate is far cheaper than a regex scan).
DIGIT_MAP: Final = bytes(1 if 0x30 <= byte <= 0x39 else 0 for byte in range(256))
LONG_DIGIT_RUN: Final = b"\x01" * 19


def _has_long_digit_run(text: str | bytes) -> bool:
    if len(text) < 19:
        return False  # most JSONB values (null, ids, small objects) end here
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    return LONG_DIGIT_RUN in raw.translate(DIGIT_MAP)


def loads(text: str | bytes) -> Any:
    """Decode JSON exactly (JSONB columns): orjson when that is lossless, else the stdlib, and past the
    stdlib's nesting limit deepjson (PostgreSQL stores deeper documents than either C parser reads)."""
    if not _has_long_digit_run(text):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # nesting beyond orjson's limit; the stdlib decides
    try:
        return json.loads(text)
    except RecursionError:
        return deepjson.loads(text if isinstance(text, str) else text.decode())


def dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON; the stdlib (ASCII-escaped) for what orjson refuses: huge ints, deep nesting,
    lone surrogates; deepjson past the stdlib's nesting limit."""
    try:
        return orjson.dumps(data)
    except TypeError:
        try:
            return json.dumps(data, separators=(",", ":")).encode()
        except RecursionError:
            return deepjson.dumps(data).encode()


def python_dumps(data: Any, *, indent: int | None = None) -> str:
    """What Python's json.dumps(data, indent=indent, default=str) writes (agno's derived texts), at any depth."""
    try:
        return json.dumps(data, indent=indent, default=str)
    except RecursionError:
        return deepjson.dumps(data, indent=indent, separators=(", ", ": ") if indent is None else (",", ": "))


def python_str(data: Any) -> str:
    """str(data), as agno's texts use it for lists, at any depth."""
    try:
        return str(data)
    except RecursionError:
        return deepjson.python_repr(data)


def json_response(data: Any, status: int = 200) -> web.Response:
    """A JSON response serialised once, without a str round trip."""
    return web.json_bytes_response(data, status=status, dumps=dumps)


def error_response(status: int, detail: Any, headers: dict[str, str] | None = None) -> web.Response:
    """An error response in AgentOS's shape."""
    response = json_response(error_body(detail), status=status)
    if headers:
        response.headers.update(headers)
    return response


def no_content() -> web.Response:
    """204 as AgentOS sends it: empty body, yet still labelled application/json (contract §9.11)."""
    return web.Response(status=204, headers={"Content-Type": "application/json"})
