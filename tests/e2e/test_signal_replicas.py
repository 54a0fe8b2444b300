"""Signals cross replicas: `lobbyd serve` processes on one PostgreSQL database and one Redis.

A member on replica A signals a member whose socket is on replica B (and back, over HTTP on
B): every signal arrives once, in the order sent; none is replayed on a `since=` reconnect.
The test prints how many signals a second one sender relays from A to B.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from lobbyd_client import LobbydClient
from tests.backends import delete_keys, postgres_database, redis_prefix, shared_redis
from tests.processes import Server, lobbyd_serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
async def replicas(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Server, Server]]:
    """Two replicas on uvicorn, signal rate limit off (the test measures throughput)."""
    url, prefix = shared_redis(), redis_prefix()
    workdir: Path = tmp_path_factory.mktemp("signal-replicas")
    async with postgres_database() as database_url:
        env = {
            "LOBBYD_DATABASE_URL": database_url,
            "LOBBYD_REDIS_URL": url,
            "LOBBYD_REDIS_PREFIX": prefix,
            "LOBBYD_REGISTER_RATE": "0",
            "LOBBYD_LOGIN_RATE": "0",
            "LOBBYD_SIGNAL_RATE": "0",
        }
        try:
            with lobbyd_serve(env, cwd=workdir) as a, lobbyd_serve(env, cwd=workdir) as b:
                yield a, b
        finally:
            await delete_keys(url, prefix)


async def player(base_url: str) -> tuple[LobbydClient, str]:
    lobby = LobbydClient(base_url, timeout=30)
    credentials = await lobby.register()
    await lobby.login(credentials.uuid, credentials.secret)
    await lobby.set_only_friends(credentials.uuid, False)
    return lobby, credentials.uuid


def ws_url(server: Server, key: str, **query: object) -> str:
    params = "".join(f"&{name}={value}" for name, value in query.items())
    return f"{server.url.replace('http', 'ws', 1)}/sync/{key}/ws?{params[1:]}"


async def socket(server: Server, key: str, token: str, **query: object) -> ClientConnection:
    headers = {"Authorization": f"Bearer {token}"}
    return await connect(ws_url(server, key, **query), additional_headers=headers, open_timeout=30)


async def take(
    connection: ClientConnection, count: int, within: float = 60
) -> list[dict[str, Any]]:
    async with asyncio.timeout(within):
        return [json.loads(await connection.recv()) for _ in range(count)]


async def test_signals_cross_replicas_in_order_once_and_are_not_replayed(
    replicas: tuple[Server, Server],
) -> None:
    a, b = replicas
    (host_a, host), (guest_b, guest) = await player(a.url), await player(b.url)
    try:
        session = await host_a.launch(host)
        key = session.source_of_truth_key
        await guest_b.join(host, guest)
        host_socket = await socket(a, key, host_a.token or "")
        guest_socket = await socket(b, key, guest_b.token or "")
        async with host_socket, guest_socket:
            await take(host_socket, 1)
            version = (await take(guest_socket, 1))[0]["version"]
            count = 2000
            started = time.perf_counter()
            for n in range(count):
                await host_socket.send(
                    json.dumps({"type": "signal", "to": guest, "data": {"n": n}})
                )
            got = await take(guest_socket, count)
            elapsed = time.perf_counter() - started
            assert [m["data"]["n"] for m in got] == list(range(count))
            assert {(m["type"], m["from"]) for m in got} == {("signal", host)}
            print(f"\nsignals relayed from replica A to replica B: {count / elapsed:.0f}/s")
            async with httpx.AsyncClient(base_url=b.url, timeout=30) as http:
                auth = {"Authorization": f"Bearer {guest_b.token}"}
                for n in range(5):
                    body = {"to": host, "data": {"reply": n}}
                    response = await http.post(f"/sync/{key}/signals", json=body, headers=auth)
                    assert response.status_code == 202, response.text
            replies = await take(host_socket, 5)
            assert [m["data"]["reply"] for m in replies] == list(range(5))
            assert {m["from"] for m in replies} == {guest}
        # Signals sent while the guest is away are gone: a since= reconnect on A gets none.
        async with await socket(a, key, host_a.token or "") as again:
            await take(again, 1)
            await again.send(json.dumps({"type": "signal", "id": 1, "to": guest, "data": {}}))
            assert (await take(again, 1))[0]["type"] == "ack"
        async with await socket(a, key, guest_b.token or "", since=version) as back:
            await back.send(json.dumps({"type": "ping", "id": "p"}))
            assert await take(back, 1) == [{"type": "pong", "id": "p", "version": version}]
    finally:
        await host_a.aclose()
        await guest_b.aclose()


async def test_many_pairs_signal_across_replicas_at_once(replicas: tuple[Server, Server]) -> None:
    """Eight sessions, each host on A signalling its guest on B, all at once: every signal
    arrives, in order per pair. Prints the aggregate rate."""
    a, b = replicas
    pairs, count = 8, 500
    clients: list[LobbydClient] = []
    try:
        setups = []
        for _ in range(pairs):
            (host_a, host), (guest_b, guest) = await player(a.url), await player(b.url)
            clients += [host_a, guest_b]
            key = (await host_a.launch(host)).source_of_truth_key
            await guest_b.join(host, guest)
            sender = await socket(a, key, host_a.token or "")
            addressee = await socket(b, key, guest_b.token or "")
            await take(sender, 1)
            await take(addressee, 1)
            setups.append((sender, addressee, guest))

        async def run(sender: ClientConnection, addressee: ClientConnection, to: str) -> None:
            for n in range(count):
                await sender.send(json.dumps({"type": "signal", "to": to, "data": {"n": n}}))
            got = await take(addressee, count, within=120)
            assert [m["data"]["n"] for m in got] == list(range(count))

        started = time.perf_counter()
        await asyncio.gather(*(run(*setup) for setup in setups))
        elapsed = time.perf_counter() - started
        print(f"\n{pairs} pairs, replica A to replica B: {pairs * count / elapsed:.0f} signals/s")
        for sender, addressee, _ in setups:
            await sender.close()
            await addressee.close()
    finally:
        for lobby in clients:
            await lobby.aclose()
