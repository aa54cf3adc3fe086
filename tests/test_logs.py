"""Log output: batched writes, and the access line written directly equals the one built through logging."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient, AiohttpServer

from agno_session_aio.logs import BatchingStreamHandler, JsonAccessLogger, JsonFormatter, install_record_factory
from agno_session_aio.middlewares import request_context_middleware


class CountingStream(io.StringIO):
    """A stream that counts its writes."""

    writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


@pytest.fixture
def root_handler() -> Iterator[tuple[BatchingStreamHandler, CountingStream]]:
    install_record_factory()
    stream = CountingStream()
    handler = BatchingStreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    yield handler, stream
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def test_without_a_loop_each_line_is_written_at_once(root_handler: tuple[BatchingStreamHandler, CountingStream]) -> None:
    _, stream = root_handler
    logging.getLogger("x").info("one")
    assert json.loads(stream.getvalue())["message"] == "one"


async def test_lines_of_one_loop_turn_share_one_write(
    root_handler: tuple[BatchingStreamHandler, CountingStream],
) -> None:
    _, stream = root_handler
    for n in range(5):
        logging.getLogger("x").info("line %d", n)
    assert stream.getvalue() == ""  # not yet: at the end of this turn
    await asyncio.sleep(0)
    assert stream.writes == 1
    assert [json.loads(line)["message"] for line in stream.getvalue().splitlines()] == [f"line {n}" for n in range(5)]


async def _hello(request: web.Request) -> web.Response:
    return web.json_response({"hello": "world"})


async def test_direct_access_line_equals_the_formatted_record(
    aiohttp_client: AiohttpClient, aiohttp_server: AiohttpServer, root_handler: tuple[BatchingStreamHandler, CountingStream]
) -> None:
    handler, stream = root_handler
    app = web.Application(middlewares=[request_context_middleware])
    app.router.add_get("/hello", _hello)
    client = await aiohttp_client(await aiohttp_server(app, access_log_class=JsonAccessLogger))
    await (await client.get("/hello", headers={"X-Request-ID": "direct-1"})).read()
    # The same request, with a filter on the handler: the line now goes through a LogRecord.
    handler.addFilter(lambda record: True)
    await (await client.get("/hello", headers={"X-Request-ID": "record-1"})).read()
    await asyncio.sleep(0.01)
    direct, through_logging = (json.loads(line) for line in stream.getvalue().splitlines())
    assert direct["request_id"] == "direct-1" and through_logging["request_id"] == "record-1"
    assert list(direct) == list(through_logging)
    for entry in (direct, through_logging):
        entry.pop("time"), entry.pop("request_id"), entry.pop("duration_ms")
    assert direct == through_logging
    assert direct["bytes"] == len(b'{"hello": "world"}') and direct["message"] == "GET /hello 200"
