"""The limits of the servers `lobbyd serve` starts, against raw sockets: a client has a bounded
time to send its request head (silent and slow-headers connections are closed), an idle
keep-alive connection is closed, a head and a WebSocket message have a size bound."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.processes import Server, lobbyd_serve

pytestmark = pytest.mark.e2e

HEADER_TIMEOUT = 1.0
KEEP_ALIVE = 1
MAX_HEADER = 4096
MAX_BODY = 65536
#: Allowance for a loaded machine on top of each bound.
SLACK = 3.0


@pytest.fixture(scope="module", params=["uvicorn", "granian"])
def kind(request: pytest.FixtureRequest) -> str:
    """The ASGI server."""
    return str(request.param)


@pytest.fixture(scope="module")
def server(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`lobbyd serve` with small limits, on each ASGI server."""
    env = {
        "LOBBYD_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
        "LOBBYD_KEEP_ALIVE_TIMEOUT": str(KEEP_ALIVE),
        "LOBBYD_MAX_HEADER": str(MAX_HEADER),
        "LOBBYD_MAX_BODY": str(MAX_BODY),
        "LOBBYD_REGISTER_RATE": "0",
        "LOBBYD_LOGIN_RATE": "0",
    }
    workdir = tmp_path_factory.mktemp(f"limits-{kind}")
    with lobbyd_serve(env, "--server", kind, cwd=Path(workdir)) as running:
        yield running


@contextlib.contextmanager
def raw(server: Server) -> Iterator[socket.socket]:
    """A plain TCP connection to the server."""
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    try:
        yield sock
    finally:
        sock.close()


def seconds_until_closed(sock: socket.socket, within: float) -> float:
    """Read (and drop) whatever comes until the server closes; how long that took."""
    start = time.monotonic()
    sock.settimeout(within)
    with contextlib.suppress(ConnectionResetError):
        while sock.recv(65536):
            pass
    return time.monotonic() - start


def test_a_silent_connection_is_closed_after_the_header_timeout(server: Server, kind: str) -> None:
    if kind == "granian":
        pytest.skip("granian starts its header timeout at the first byte (see docs/operations.md)")
    with raw(server) as sock:
        assert seconds_until_closed(sock, 30) < HEADER_TIMEOUT + SLACK


def test_a_slow_headers_connection_is_closed_after_the_header_timeout(server: Server) -> None:
    with raw(server) as sock:
        start = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        with contextlib.suppress(OSError):  # a byte now and then, never the end of the head
            while time.monotonic() - start < HEADER_TIMEOUT + 2 * SLACK:
                sock.sendall(b"X")
                time.sleep(0.2)
                sock.setblocking(False)
                try:
                    if sock.recv(65536) == b"":
                        break
                except BlockingIOError:
                    pass
                finally:
                    sock.setblocking(True)
        elapsed = time.monotonic() - start
    assert elapsed < HEADER_TIMEOUT + SLACK


def test_an_idle_keep_alive_connection_is_closed(server: Server) -> None:
    with raw(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(10)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        assert seconds_until_closed(sock, 30) < max(KEEP_ALIVE, HEADER_TIMEOUT) + SLACK


def test_a_head_that_arrives_in_pieces_in_time_is_answered(server: Server) -> None:
    with raw(server) as sock:
        for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n"):
            sock.sendall(piece)
            time.sleep(HEADER_TIMEOUT / 5)
        sock.settimeout(10)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")


def test_a_request_head_over_the_limit_is_refused(server: Server) -> None:
    response = httpx.get(server.url + "/healthz", headers={"X-Big": "a" * (2 * MAX_HEADER)})
    assert response.status_code == 431


def test_a_body_bigger_than_the_head_limit_is_not_mistaken_for_a_head(server: Server) -> None:
    response = httpx.post(server.url + "/hosts", content=b"x" * (MAX_BODY - 1024))
    assert response.status_code == 200, response.text


@contextlib.asynccontextmanager
async def host_socket(server: Server) -> AsyncIterator[ClientConnection]:
    """A host's sync socket on its new session."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        body = (await http.post("/hosts")).json()
        token = (
            await http.get(
                f"/hosts/{body['uuid']}/access_token", auth=(body["uuid"], body["secret"])
            )
        ).json()["token"]
        launched = await http.post(
            "/sessions", json={"host": body["uuid"]}, headers={"Authorization": f"Bearer {token}"}
        )
        key = launched.json()["source_of_truth_key"]
    url = server.url.replace("http://", "ws://") + f"/sync/{key}/ws?token={token}"
    async with connect(url, max_size=None, compression=None) as ws:
        yield ws


async def test_a_socket_message_over_max_body_is_refused_by_the_server_itself(
    server: Server, kind: str
) -> None:
    if kind == "granian":
        pytest.skip("granian has no WebSocket message limit to set (see docs/operations.md)")
    async with host_socket(server) as ws:
        assert "snapshot" in await asyncio.wait_for(ws.recv(), 10)
        await ws.send("x" * (4 * MAX_BODY))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009  # message too big, before it was buffered whole
