"""Stores under test: every behavioural test runs on the memory and the Redis backend.

Redis tests use a fresh key prefix per test and delete only keys under it afterwards.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

import pytest
import redis.asyncio as aioredis

from lobbyd.kit.clock import ManualClock
from lobbyd.store import Change, Limits, MemoryStore, RedisStore, Subscription, SyncStore
from tests.backends import delete_keys, redis_prefix, shared_redis

# Small enough that tests reach every limit quickly.
LIMITS = Limits(state_max=512, member_max=128, log_size=32, log_age=60.0, queue_max=16)


class MakeStore(Protocol):
    """Open a store of the backend under test (closed after the test)."""

    async def __call__(self, **limits: Any) -> SyncStore: ...


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The shared Redis, once it has answered (skipped without it; under CI=true, failed)."""
    return shared_redis()


@pytest.fixture
def prefix() -> str:
    """This test's own key prefix."""
    return redis_prefix()


@pytest.fixture
async def raw_redis(redis_url: str, prefix: str) -> AsyncIterator[aioredis.Redis]:
    """A plain client of the shared Redis; this test's keys are deleted afterwards."""
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()
    await delete_keys(redis_url, prefix)


@pytest.fixture(params=["memory", "redis"])
def store_backend(request: pytest.FixtureRequest) -> str:
    """The sync store backend under test."""
    return str(request.param)


@pytest.fixture
async def make_store(
    store_backend: str, request: pytest.FixtureRequest, clock: ManualClock, prefix: str
) -> AsyncIterator[MakeStore]:
    """Open stores of the backend under test; all are closed afterwards."""
    opened: list[SyncStore] = []
    url = request.getfixturevalue("redis_url") if store_backend == "redis" else None

    async def make(**limits: Any) -> SyncStore:
        chosen = dataclasses.replace(LIMITS, **limits)
        if url is None:
            store: SyncStore = MemoryStore(chosen, clock)
        else:
            store = RedisStore(url, chosen, clock, prefix=prefix)
        opened.append(store)
        return store

    yield make
    for store in opened:
        await store.close()
    if url is not None:
        await delete_keys(url, prefix)


@pytest.fixture
async def store(make_store: MakeStore) -> SyncStore:
    """A store with the test limits."""
    return await make_store()


@pytest.fixture
def key() -> str:
    """A fresh document key."""
    return f"session-{secrets.token_hex(6)}"


async def take(subscription: Subscription, count: int, within: float = 3.0) -> list[Change]:
    """The next `count` changes of a subscription (fails after `within` seconds)."""
    changes: list[Change] = []
    async with asyncio.timeout(within):
        async for change in subscription:
            changes.append(change)
            if len(changes) == count:
                break
    return changes


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 3.0) -> None:
    """Poll `check` every few milliseconds until it holds (fails after `within` seconds)."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)
