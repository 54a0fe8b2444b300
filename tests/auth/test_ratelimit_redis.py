"""With Redis configured, registration and login limits are shared by every replica."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from lobbyd.auth.ratelimit_redis import RedisRateLimiter
from lobbyd.kit.clock import ManualClock
from tests.backends import delete_keys, redis_prefix, shared_redis
from tests.conftest import client_for


@pytest.fixture
async def shared() -> AsyncIterator[dict[str, Any]]:
    """Settings putting apps on the shared Redis under a prefix of this test's own."""
    url, prefix = shared_redis(), redis_prefix()
    yield {"redis_url": url, "redis_prefix": prefix}
    await delete_keys(url, prefix)


async def test_two_replicas_share_one_registration_budget(
    make_app: Callable[..., Any], shared: dict[str, Any]
) -> None:
    first = await make_app(register_rate=2, **shared)
    second = await make_app(register_rate=2, **shared)
    async with client_for(first) as a, client_for(second) as b:
        assert (await a.post("/hosts")).status_code == 200
        assert (await b.post("/hosts")).status_code == 200
        refused = await a.post("/hosts")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1


async def test_the_shared_budget_refills_with_time(
    make_app: Callable[..., Any], shared: dict[str, Any], clock: ManualClock
) -> None:
    app = await make_app(register_rate=1, **shared)
    async with client_for(app) as client:
        assert (await client.post("/hosts")).status_code == 200
        assert (await client.post("/hosts")).status_code == 429
        clock.advance(61)
        assert (await client.post("/hosts")).status_code == 200


async def test_addresses_have_separate_budgets(
    make_app: Callable[..., Any], shared: dict[str, Any]
) -> None:
    app = await make_app(register_rate=1, **shared)
    async with client_for(app, "10.0.0.1") as one, client_for(app, "10.0.0.2") as two:
        assert (await one.post("/hosts")).status_code == 200
        assert (await two.post("/hosts")).status_code == 200
        assert (await one.post("/hosts")).status_code == 429


async def test_redis_away_falls_back_to_counting_locally() -> None:
    dead = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    limiter = RedisRateLimiter(dead, "register", 2, ManualClock(), "unused:")
    try:
        assert [await limiter.hit("addr") for _ in range(3)][:2] == [0, 0]
        assert await limiter.hit("addr") > 0
    finally:
        await dead.aclose()
