"""Redis losing its data: the relay rebuilds a session's document from the database, and a
committed change is never answered with an error because its announcement had trouble."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import client_for
from tests.processes import PrivateRedis, private_redis
from tests.sync.conftest import new_guest, new_session

pytestmark = pytest.mark.slow


@pytest.fixture
async def volatile_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    """A redis-server that keeps nothing across a restart."""
    async with private_redis(tmp_path) as server:
        yield server


@pytest.fixture
async def app(make_app: Any, volatile_redis: PrivateRedis) -> FastAPI:
    """An app over that Redis."""
    started: FastAPI = await make_app(redis_url=volatile_redis.url)
    return started


async def test_a_kick_after_redis_lost_its_data_is_answered_and_announced(
    app: FastAPI, volatile_redis: PrivateRedis
) -> None:
    async with client_for(app) as client:
        await _kick_after_data_loss(client, app, volatile_redis)


async def _kick_after_data_loss(
    client: httpx.AsyncClient, app: FastAPI, redis: PrivateRedis
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)  # event 1, applied
    await app.state.runtime.sweeper.sweep()  # the outbox forgets event 1
    await redis.stop()
    await redis.start()  # every document is gone
    kicked = await client.delete(
        f"/sessions/{session.session_id}/players/{guest.uuid}", headers=session.host.auth
    )
    assert kicked.status_code == 204, kicked.text
    # Rebuilt from the database after the kick committed: a fresh snapshot without the guest,
    # with the kick counted as applied (a replay of it later changes nothing).
    document = await app.state.store.get(session.key)
    assert set(document.members) == {session.host.uuid}
    assert await app.state.store.applied_events(session.key) == 2


async def test_a_lost_document_is_rebuilt_with_every_current_member(
    app: FastAPI, volatile_redis: PrivateRedis
) -> None:
    async with client_for(app) as client:
        session = await new_session(client)
        guest = await new_guest(client, session)
        await app.state.runtime.sweeper.sweep()
        await volatile_redis.stop()
        await volatile_redis.start()
        second = await new_guest(client, session)  # its announcement finds no document
        document = await app.state.store.get(session.key)
        assert set(document.members) == {session.host.uuid, guest.uuid, second.uuid}
        response = await client.get(f"/sync/{session.key}", headers=guest.auth)
        assert response.status_code == 200
