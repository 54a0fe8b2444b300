"""Redis only: a Redis of the test's own is stopped and started again under the store."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from lobbyd.errors import Unavailable
from lobbyd.kit.clock import ManualClock
from lobbyd.store import Event, RedisStore, SubscriptionLagged, SyncStore
from tests.processes import PrivateRedis, private_redis
from tests.store.conftest import LIMITS, take


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    """A running redis-server of this test's own; stopped afterwards."""
    async with private_redis(tmp_path) as server:
        yield server


@pytest.fixture
async def store_on_own_redis(
    own_redis: PrivateRedis, clock: ManualClock
) -> AsyncIterator[RedisStore]:
    """A RedisStore over the test's own Redis."""
    store = RedisStore(own_redis.url, LIMITS, clock)
    yield store
    await store.close()


async def assert_quickly_unavailable(store: SyncStore, key: str) -> None:
    """Every kind of operation answers Unavailable, and within about the connect timeout."""
    operations = [
        store.ping(),
        store.create(key, "host"),
        store.get(key),
        store.put_state(key, {}),
        store.patch_state(key, {}),
        store.put_member(key, "host", {}),
        store.apply_event(key, 1, Event("member_joined", player="p")),
        store.applied_events(key),
        store.changes_since(key, 1),
        store.expire(key, 1),
        store.delete(key),
    ]
    for operation in operations:
        started = time.monotonic()
        with pytest.raises(Unavailable):
            await operation
        assert time.monotonic() - started < 2.5


async def test_operations_are_unavailable_while_redis_is_down_and_work_again_after(
    own_redis: PrivateRedis, store_on_own_redis: RedisStore, key: str
) -> None:
    store = store_on_own_redis
    await store.create(key, "host")
    await own_redis.stop()
    await assert_quickly_unavailable(store, key)
    await own_redis.start()
    await store.ping()
    document = await store.create(key, "host")  # the restarted Redis kept nothing
    assert document.version == 1
    assert (await store.put_state(key, {"back": True})).version == 2


async def test_subscription_resumes_after_redis_restarts(
    own_redis: PrivateRedis, store_on_own_redis: RedisStore, key: str
) -> None:
    store = store_on_own_redis
    waiting = store.subscribe(key)  # nothing delivered yet: it just keeps listening
    await store.create(key, "host")
    positioned = store.subscribe(key, since=1)
    await store.patch_state(key, {"n": 0})
    assert [c.version for c in await take(positioned, 1)] == [2]
    assert [c.version for c in await take(waiting, 1)] == [2]
    await own_redis.stop()
    await own_redis.start()
    await store.create(key, "host")
    for n in range(3):
        await store.patch_state(key, {"n": n})
    # The restarted Redis lost the document: a subscriber at version 2 cannot be continued
    # (its WebSocket sends a fresh snapshot), or it ended already when the replica found
    # Redis away (its WebSocket closes with 1013); a new subscription starts over.
    with pytest.raises((SubscriptionLagged, Unavailable)):
        await take(positioned, 1)
    fresh = store.subscribe(key, since=1)
    assert [c.version for c in await take(fresh, 3)] == [2, 3, 4]


async def test_a_subscription_ends_with_unavailable_while_redis_is_away(
    own_redis: PrivateRedis, store_on_own_redis: RedisStore, key: str
) -> None:
    store = store_on_own_redis
    await store.create(key, "host")
    subscription = store.subscribe(key, since=1)
    await store.patch_state(key, {"n": 0})
    assert [c.version for c in await take(subscription, 1)] == [2]
    await own_redis.stop()
    # Not silence until Redis is back: the subscriber learns at once (a socket closes, 1013).
    with pytest.raises(Unavailable):
        await take(subscription, 1, within=5)
    await own_redis.start()
    await store.create(key, "host")
    await store.patch_state(key, {"again": True})
    fresh = store.subscribe(key, since=1)
    assert [c.version for c in await take(fresh, 1, within=5)] == [2]
