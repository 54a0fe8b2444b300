"""Redis going away under a running app: 503 `unavailable` on sync, launch and join with nothing
half-created, and everything working again, without a restart, once Redis is back.

The test's own redis-server keeps its data across the restart (append-only file), like a
production Redis; events committed while it was away reach it through the sweep.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from lobbyd_client import SyncSocket
from tests.conftest import client_for
from tests.helpers import error, register
from tests.processes import PrivateRedis, private_redis
from tests.sessions.conftest import join
from tests.sync.conftest import (
    closed_with,
    new_guest,
    new_session,
    open_socket,
    receive,
    refusal,
    serve,
)

pytestmark = pytest.mark.slow
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    """A redis-server of this test's own that keeps its data across restarts."""
    async with private_redis(tmp_path, persistent=True) as server:
        yield server


@pytest.fixture
async def app(make_app: Any, own_redis: PrivateRedis) -> FastAPI:
    """An app whose sync store is the test's own Redis."""
    started: FastAPI = await make_app(redis_url=own_redis.url)
    return started


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of that app."""
    async with client_for(app) as http:
        yield http


async def test_redis_down_is_503_on_sync_launch_and_join_and_nothing_is_half_created(
    client: httpx.AsyncClient, own_redis: PrivateRedis, app: FastAPI
) -> None:
    session = await new_session(client)
    url, auth = f"/sync/{session.key}", session.host.auth
    await client.put(url, json={"kept": True}, headers=auth)
    idle_host, guest = await register(client), await register(client)
    await own_redis.stop()
    error(await client.get(url, headers=auth), 503, "unavailable")
    error(await client.put(url, json={}, headers=auth), 503, "unavailable")
    error(await client.patch(url, content=b"{}", headers={**auth, **MERGE_PATCH}), 503)
    error(await client.put(f"{url}/members/{session.host.uuid}", json={}, headers=auth), 503)
    launched = await client.post("/sessions", json={"host": idle_host.uuid}, headers=idle_host.auth)
    error(launched, 503, "unavailable")
    error(await join(client, guest, session.host.uuid, guest.uuid), 503, "unavailable")
    view = (await client.get(f"/sessions/{session.session_id}", headers=auth)).json()
    assert [m["player"] for m in view["members"]] == [session.host.uuid]  # the guest is not in
    async with serve(app) as served:
        closed = await refusal(served.socket_url(session.key, token=session.host.token))
    assert closed == (1013, "unavailable")

    await own_redis.start()  # the same app, not restarted
    document = await client.get(url, headers=auth)
    assert document.json()["state"] == {"kept": True}
    relaunched = await client.post(
        "/sessions", json={"host": idle_host.uuid}, headers=idle_host.auth
    )
    assert relaunched.status_code == 201  # no session had been left behind
    assert (await join(client, guest, session.host.uuid, guest.uuid)).status_code == 200
    members = (await client.get(url, headers=auth)).json()["members"]
    assert set(members) == {session.host.uuid, guest.uuid}


async def test_membership_events_committed_while_redis_is_away_are_relayed_by_the_sweep(
    client: httpx.AsyncClient, own_redis: PrivateRedis, app: FastAPI
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    await own_redis.stop()
    kicked = await client.delete(
        f"/sessions/{session.session_id}/players/{guest.uuid}", headers=session.host.auth
    )
    assert kicked.status_code == 204  # committed: the store hears of it later
    ended = await client.delete(f"/sessions/{session.session_id}", headers=session.host.auth)
    assert ended.status_code == 204
    await own_redis.start()
    url = f"/sync/{session.key}"
    stale = (await client.get(url, headers=session.host.auth)).json()
    assert set(stale["members"]) == {session.host.uuid, guest.uuid}
    await app.state.runtime.sweeper.sweep()
    async with (
        serve(app) as served,
        SyncSocket(
            served.http_url, session.key, session.host.token, since=stale["version"]
        ) as socket,
    ):
        async with asyncio.timeout(10):
            relayed = [message async for message in socket]
    assert [(m["type"], m["version"]) for m in relayed] == [
        ("member_kicked", 3),
        ("session_ended", 4),
    ]
    assert relayed[0]["player"] == guest.uuid


async def test_a_socket_rides_out_a_redis_outage_and_misses_nothing(
    client: httpx.AsyncClient, own_redis: PrivateRedis, app: FastAPI
) -> None:
    session = await new_session(client)
    url, headers = f"/sync/{session.key}", {**session.host.auth, **MERGE_PATCH}
    async with (
        serve(app) as served,
        SyncSocket(
            served.http_url, session.key, session.host.token, backoff=0.05, backoff_max=0.5
        ) as socket,
    ):
        for n in range(5):
            await client.patch(url, content=b'{"n": %d}' % n, headers=headers)
        await own_redis.stop()
        assert (await client.patch(url, content=b"{}", headers=headers)).status_code == 503
        await own_redis.start()
        for n in range(5, 10):
            response = await client.patch(url, content=b'{"n": %d}' % n, headers=headers)
            assert response.status_code == 200, response.text
        async with asyncio.timeout(20):
            received = [await socket.recv() for _ in range(11)]
    assert received[0]["type"] == "snapshot"
    assert [m["version"] for m in received[1:]] == list(range(2, 12))  # each exactly once
    assert [m["patch"]["n"] for m in received[1:]] == list(range(10))


async def _flush(own_redis: PrivateRedis) -> None:
    """Redis loses every key (its own private server: nobody else's data)."""
    client = aioredis.Redis.from_url(own_redis.url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


async def test_a_document_redis_lost_is_rebuilt_on_get_put_socket_and_relaunch(
    client: httpx.AsyncClient, own_redis: PrivateRedis, app: FastAPI
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    url, auth = f"/sync/{session.key}", session.host.auth
    everyone = {session.host.uuid, guest.uuid}

    await _flush(own_redis)
    got = await client.get(url, headers=guest.auth)
    assert got.status_code == 200, got.text
    assert set(got.json()["members"]) == everyone

    await _flush(own_redis)
    put = await client.put(url, json={"map": "dust"}, headers=auth)
    assert put.status_code == 200, put.text
    assert (await client.get(url, headers=auth)).json()["state"] == {"map": "dust"}

    await _flush(own_redis)
    async with (
        serve(app) as served,
        await open_socket(served, session.key, session.host.token) as socket,
    ):
        snapshot = await receive(socket)
    assert snapshot["type"] == "snapshot"
    assert set(snapshot["members"]) == everyone

    await _flush(own_redis)
    relaunched = await client.post("/sessions", json={"host": session.host.uuid}, headers=auth)
    assert relaunched.status_code == 200, relaunched.text
    document = await app.state.store.get(session.key)  # rebuilt by the relaunch itself
    assert set(document.members) == everyone


async def test_an_ended_sessions_lost_document_is_not_rebuilt(
    client: httpx.AsyncClient, own_redis: PrivateRedis
) -> None:
    session = await new_session(client)
    ended = await client.delete(f"/sessions/{session.session_id}", headers=session.host.auth)
    assert ended.status_code == 204
    await _flush(own_redis)
    gone = await client.get(f"/sync/{session.key}", headers=session.host.auth)
    error(gone, 404, "no_document")


async def test_an_open_socket_is_closed_with_1013_when_redis_goes_away(
    client: httpx.AsyncClient, own_redis: PrivateRedis, app: FastAPI
) -> None:
    session = await new_session(client)
    async with (
        serve(app) as served,
        await open_socket(served, session.key, session.host.token) as socket,
    ):
        assert (await receive(socket))["type"] == "snapshot"
        await own_redis.stop()
        assert await closed_with(socket, within=10) == 1013
