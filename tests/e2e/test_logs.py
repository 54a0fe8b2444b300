"""No credential ever reaches a log: a real `lobbyd serve` at debug level, with the access log on,
gets real traffic that carries tokens, secrets and tickets every way a client may send them
(headers, query strings, the WebSocket subprotocol), and refused sockets; then everything it
printed (stdout and stderr) is searched for them."""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.backends import database, delete_keys, redis_prefix, shared_redis
from tests.processes import Server, lobbyd_serve

pytestmark = pytest.mark.e2e

CONFIGURATIONS = [
    ("sqlite", "uvicorn", 1),
    ("postgresql", "uvicorn", 2),
    ("postgresql", "granian", 1),
]


@dataclass
class Secrets:
    """Everything the traffic carried that must not be printed."""

    values: list[str]


@asynccontextmanager
async def logging_server(
    backend: str, server: str, workers: int, workdir: Path
) -> AsyncIterator[Server]:
    """`lobbyd serve` at debug level with the access log, on the given backend and server
    (Redis whenever the database is PostgreSQL)."""
    async with database(backend, workdir) as url:
        env = {
            "LOBBYD_DATABASE_URL": url,
            "LOBBYD_LOG_LEVEL": "debug",
            "LOBBYD_REGISTER_RATE": "0",
            "LOBBYD_LOGIN_RATE": "0",
        }
        redis_url = prefix = None
        if backend == "postgresql":
            redis_url, prefix = shared_redis(), redis_prefix()
            env |= {"LOBBYD_REDIS_URL": redis_url, "LOBBYD_REDIS_PREFIX": prefix}
        args = ("--workers", str(workers), "--server", server, "--access-log")
        try:
            with lobbyd_serve(env, *args, cwd=workdir) as running:
                yield running
        finally:
            if redis_url is not None and prefix is not None:
                await delete_keys(redis_url, prefix)


async def _closed(url: str, **options: object) -> int | None:
    """Open a socket, read until it closes; the close code."""
    async with connect(url, open_timeout=30, **options) as socket:  # type: ignore[arg-type]
        try:
            async with asyncio.timeout(10):
                while True:
                    await socket.recv()
        except ConnectionClosed as closed:
            return None if closed.rcvd is None else closed.rcvd.code
        except TimeoutError:
            return None


async def _traffic(base: str) -> Secrets:
    """Every way a credential travels, accepted and refused; what was sent."""
    ws = base.replace("http://", "ws://")
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        hosts = []
        for _ in range(2):
            body = (await http.post("/hosts")).json()
            login = await http.get(
                f"/hosts/{body['uuid']}/access_token", auth=(body["uuid"], body["secret"])
            )
            hosts.append((body["uuid"], body["secret"], login.json()["token"]))
        (host, host_secret, token), (guest, guest_secret, guest_token) = hosts
        auth = {"Authorization": f"Bearer {token}"}
        await http.put(f"/hosts/{host}/only_friends", json={"only_friends": False}, headers=auth)
        key = (await http.post("/sessions", json={"host": host}, headers=auth)).json()[
            "source_of_truth_key"
        ]
        joined = await http.post(
            "/sessions/players",
            json={"host": host, "guest": guest},
            headers={"Authorization": f"Bearer {guest_token}"},
        )
        ticket = joined.json()["ticket"]
        forged = "forged" + secrets.token_hex(16)
        # Credentials where they do not belong: query strings of HTTP requests.
        await http.get(f"/hosts/{host}", params={"token": token, "secret": host_secret})
        await http.get(f"/hosts/{host}", params={"ticket": ticket, "password": guest_secret})
        await http.get(f"/hosts/{host}", headers={"Authorization": f"Bearer {forged}"})
        await http.get(f"/hosts/{host}/access_token", auth=(host, forged))

    socket = f"{ws}/sync/{key}/ws"
    lobbyd, subprotocol = Subprotocol("lobbyd"), Subprotocol(f"bearer.{guest_token}")
    accepted = [
        _closed(f"{socket}?token={token}"),
        _closed(socket, additional_headers={"Authorization": f"Bearer {guest_token}"}),
        _closed(socket, subprotocols=[lobbyd, subprotocol]),
    ]
    refused = [
        _closed(socket),
        _closed(f"{socket}?token={forged}"),
        _closed(socket, subprotocols=[lobbyd, Subprotocol(f"bearer.{forged}")]),
        _closed(f"{ws}/sync/no-such-key/ws?token={token}"),
        _closed(f"{socket}?token={token}&since=abc"),
    ]
    await asyncio.gather(*accepted)
    assert await asyncio.gather(*refused) == [4401, 4401, 4401, 4404, 4422]
    basic = base64.b64encode(f"{host}:{host_secret}".encode()).decode()
    values = [token, guest_token, host_secret, guest_secret, ticket, forged, basic]
    # Each part of a JWT is distinctive too (a log may cut a token at its dots).
    values += [part for jwt in (token, guest_token, ticket) for part in jwt.split(".")[1:]]
    return Secrets(values)


@pytest.mark.parametrize(
    ("backend", "server", "workers"), CONFIGURATIONS, ids=lambda value: str(value)
)
async def test_no_credential_reaches_the_log_at_debug_level_and_refusals_log_no_error(
    tmp_path: Path, backend: str, server: str, workers: int
) -> None:
    async with logging_server(backend, server, workers, tmp_path) as running:
        sent = await _traffic(running.url)
        await asyncio.sleep(1)  # let the workers write what they log
    output = running.output()
    print(output[-20_000:])
    assert "DEBUG" in output  # the level was on
    assert "/sync/" in output  # the traffic was logged, sockets included
    leaked = [value[:12] + "..." for value in sent.values if value in output]
    assert leaked == []
    assert "without completing handshake" not in output
    assert [line for line in output.splitlines() if " ERROR " in line] == []
