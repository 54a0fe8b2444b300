"""Signals while Redis goes away: 503 `unavailable` over HTTP, and delivery again, without a
restart, once Redis is back (the replica's signal subscription reconnects by itself)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from tests.conftest import client_for
from tests.helpers import error
from tests.processes import PrivateRedis, private_redis
from tests.sync.conftest import new_guest, new_session, open_socket, receive, serve

pytestmark = pytest.mark.slow


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    async with private_redis(tmp_path, persistent=True) as server:
        yield server


@pytest.fixture
async def app(make_app: Any, own_redis: PrivateRedis) -> FastAPI:
    started: FastAPI = await make_app(redis_url=own_redis.url)
    return started


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http


async def signal_arrives(app: FastAPI, key: str, host: Any, guest: Any) -> None:
    """A signal from the host's socket reaches the guest's socket (fresh sockets)."""
    async with (
        serve(app) as served,
        await open_socket(served, key, host.token) as sender,
        await open_socket(served, key, guest.token) as addressee,
    ):
        await receive(sender)
        await receive(addressee)
        signal = {"type": "signal", "to": guest.uuid, "data": {"n": 1}}
        await sender.send(json.dumps(signal))
        assert (await receive(addressee, within=10))["data"] == {"n": 1}


async def test_signals_fail_fast_while_redis_is_down_and_work_again_after(
    client: httpx.AsyncClient, own_redis: PrivateRedis, app: FastAPI
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    await signal_arrives(app, session.key, session.host, guest)
    await own_redis.stop()
    body = {"to": guest.uuid, "data": {}}
    url = f"/sync/{session.key}/signals"
    error(await client.post(url, json=body, headers=session.host.auth), 503, "unavailable")
    await own_redis.start()
    await asyncio.sleep(1.5)  # the subscription's backoff is at most 1 s
    assert (await client.post(url, json=body, headers=session.host.auth)).status_code == 202
    await signal_arrives(app, session.key, session.host, guest)


async def test_a_killed_subscription_connection_comes_back(
    client: httpx.AsyncClient, own_redis: PrivateRedis, app: FastAPI
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    await signal_arrives(app, session.key, session.host, guest)
    admin = aioredis.Redis.from_url(own_redis.url)
    try:
        killed = await admin.client_kill_filter(_type="pubsub")  # every replica's pub/sub links
        assert killed >= 1
    finally:
        await admin.aclose()
    await asyncio.sleep(1.5)
    await signal_arrives(app, session.key, session.host, guest)
