"""Sync tests run on every database AND every sync store (memory, and Redis under a fresh
key prefix deleted afterwards). WebSocket tests talk to a real uvicorn serving the app in
process, through the `websockets` client."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.helpers import HostAccount, register
from tests.processes import free_port
from tests.sessions.conftest import join, launch, open_to_all, settings_overrides

__all__ = ["settings_overrides"]  # every sync test runs on both stores


@dataclass
class Session:
    """A launched session: its host, id and key."""

    host: HostAccount
    session_id: int
    key: str


async def new_session(client: httpx.AsyncClient) -> Session:
    """A registered host, open to everyone, with a launched session."""
    host = await register(client)
    await open_to_all(client, host)
    body = await launch(client, host)
    return Session(host, body["session_id"], body["source_of_truth_key"])


async def new_guest(client: httpx.AsyncClient, session: Session) -> HostAccount:
    """A registered host that joined the session as a guest."""
    guest = await register(client)
    response = await join(client, guest, session.host.uuid, guest.uuid)
    assert response.status_code == 200, response.text
    return guest


class _InProcess(uvicorn.Server):
    """uvicorn inside the test's event loop, leaving signals to pytest."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Served:
    """A started app behind a real uvicorn: its ws:// base URL."""

    app: FastAPI
    ws_url: str
    http_url: str

    def socket_url(self, key: str, **query: object) -> str:
        """The URL of a document's socket."""
        params = "&".join(f"{name}={value}" for name, value in query.items())
        return f"{self.ws_url}/sync/{key}/ws" + (f"?{params}" if params else "")


@contextlib.asynccontextmanager
async def serve(app: FastAPI, port: int | None = None) -> AsyncIterator[Served]:
    """Serve a started app (its lifespan already ran) on a port (by default a free one) until
    the block ends."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = _InProcess(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.01)
    try:
        yield Served(app, f"ws://127.0.0.1:{port}", f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def served(app: FastAPI) -> AsyncIterator[Served]:
    """The test's app behind a real uvicorn."""
    async with serve(app) as running:
        yield running


async def open_socket(served: Served, key: str, token: str, **query: object) -> ClientConnection:
    """A socket to a document, authenticated with a header."""
    return await connect(
        served.socket_url(key, **query),
        additional_headers={"Authorization": f"Bearer {token}"},
        open_timeout=5,
    )


async def refusal(url: str, **options: Any) -> tuple[int, str]:
    """How a socket was refused: accepted, then closed at once with nothing sent first. The
    close code and the code word that starts the reason (`no_document: ...`)."""
    async with connect(url, open_timeout=5, **options) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
    frame = closed.value.rcvd
    assert frame is not None, "closed without a close frame"
    return frame.code, frame.reason.partition(": ")[0]


async def receive(socket: ClientConnection, within: float = 5.0) -> dict[str, Any]:
    """The next message, decoded."""
    async with asyncio.timeout(within):
        message: dict[str, Any] = json.loads(await socket.recv())
        return message


async def receive_many(
    socket: ClientConnection, count: int, within: float = 10.0
) -> list[dict[str, Any]]:
    """The next `count` messages, decoded."""
    async with asyncio.timeout(within):
        return [json.loads(await socket.recv()) for _ in range(count)]


async def closed_with(socket: ClientConnection, within: float = 5.0) -> int | None:
    """The close code the server sent, once the socket closes (messages before are skipped)."""
    try:
        async with asyncio.timeout(within):
            while True:
                await socket.recv()
    except ConnectionClosed as closed:
        return None if closed.rcvd is None else closed.rcvd.code


def admin_token(app: FastAPI) -> str:
    """A token like the ones `lobbyd token --admin` prints."""
    token: str = app.state.runtime.tokens.issue("admin", frozenset({"session:*"}))
    return token
