"""uvicorn's HTTP protocols with lobbyd's head limits, each served in process over real sockets
(the e2e tests run `lobbyd serve` itself, on its default protocol)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from lobbyd.app.serving import H11WithLimits, HttpToolsWithLimits, LobbydConfig
from tests.processes import free_port

TIMEOUT = 0.5
MAX_HEADER = 4096


async def hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The smallest ASGI app: 200 `ok`."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


class _InProcess(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Any:
        yield


@contextlib.asynccontextmanager
async def serving(protocol: type) -> AsyncIterator[int]:
    """uvicorn with the protocol and small limits; its port."""
    port = free_port()
    config = LobbydConfig(
        hello,
        host="127.0.0.1",
        port=port,
        http=protocol,
        lifespan="off",
        log_level="warning",
        timeout_keep_alive=30,
        h11_max_incomplete_event_size=MAX_HEADER,
        header_timeout=TIMEOUT,
        max_header=MAX_HEADER,
    )
    server = _InProcess(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await task


PROTOCOLS = pytest.mark.parametrize("protocol", [HttpToolsWithLimits, H11WithLimits])


async def _closed_after(reader: asyncio.StreamReader, within: float) -> float:
    start = time.monotonic()
    async with asyncio.timeout(within):
        while await reader.read(65536):
            pass
    return time.monotonic() - start


@PROTOCOLS
async def test_a_silent_connection_is_closed_after_the_header_timeout(protocol: type) -> None:
    async with serving(protocol) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await _closed_after(reader, 5) < TIMEOUT + 1
        writer.close()


@PROTOCOLS
async def test_a_head_not_finished_in_time_is_closed_even_after_a_first_request(
    protocol: type,
) -> None:
    async with serving(protocol) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await reader.readuntil(b"ok")).startswith(b"HTTP/1.1 200")
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")  # the second head never ends
        assert await _closed_after(reader, 5) < TIMEOUT + 1
        writer.close()


@PROTOCOLS
async def test_a_head_over_the_bound_is_refused(protocol: type) -> None:
    async with serving(protocol) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (2 * MAX_HEADER))
        answer = await asyncio.wait_for(reader.read(65536), 5)
        writer.close()
    assert answer.split(b" ")[1] in (b"431", b"400")  # h11 answers its own 400
