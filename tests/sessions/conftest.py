"""Helpers for sessions tests: launching and joining through the public API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.backends import delete_keys, redis_prefix, shared_redis
from tests.helpers import HostAccount


async def launch(
    client: httpx.AsyncClient, host: HostAccount, expect: int = 201, **options: Any
) -> dict[str, Any]:
    """Launch the host's session; its answer."""
    response = await client.post(
        "/sessions", json={"host": host.uuid, **options}, headers=host.auth
    )
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


async def open_to_all(client: httpx.AsyncClient, host: HostAccount) -> None:
    """Let anyone in: not friends-only, nonames allowed."""
    for name in ("only_friends", "allow_nonames"):
        value = name == "allow_nonames"
        response = await client.put(
            f"/hosts/{host.uuid}/{name}", json={name: value}, headers=host.auth
        )
        assert response.status_code == 200, response.text


async def join(
    client: httpx.AsyncClient, caller: HostAccount, host: str, guest: str
) -> httpx.Response:
    """Ask to join guest to host's session."""
    return await client.post(
        "/sessions/players", json={"host": host, "guest": guest}, headers=caller.auth
    )


@pytest.fixture(params=["memory", "redis"])
async def settings_overrides(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    """Every sessions test runs with the in-process store and with Redis (own key prefix)."""
    if request.param == "memory":
        yield {}
        return
    url, prefix = shared_redis(), redis_prefix()
    yield {"redis_url": url, "redis_prefix": prefix}
    await delete_keys(url, prefix)
