"""Redis only: replicas sharing one Redis, one pub/sub connection each, gaps filled from the log."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis

from lobbyd.errors import PreconditionFailed
from lobbyd.kit.clock import ManualClock
from lobbyd.store import Change, RedisStore, SubscriptionLagged
from tests.store.conftest import LIMITS, eventually, take

OpenReplica = Callable[..., RedisStore]


@pytest.fixture
async def replica(
    redis_url: str, raw_redis: aioredis.Redis, prefix: str, clock: ManualClock
) -> AsyncIterator[OpenReplica]:
    """Open RedisStores ("replicas") sharing this test's prefix; closed afterwards."""
    opened: list[RedisStore] = []

    def open_replica(**limits: Any) -> RedisStore:
        store = RedisStore(redis_url, dataclasses.replace(LIMITS, **limits), clock, prefix=prefix)
        opened.append(store)
        return store

    yield open_replica
    for store in opened:
        await store.close()


def drop_messages(store: RedisStore, versions: set[int]) -> None:
    """Make the replica's pub/sub lose the notifications of these versions."""
    hub = store._hub
    deliver = hub._on_message

    def lossy(channel: str, data: str) -> None:
        if not any(f'"version":{version},' in data for version in versions):
            deliver(channel, data)

    hub._on_message = lossy  # type: ignore[method-assign]


async def pubsub_clients(raw_redis: aioredis.Redis, prefix: str) -> list[dict[str, Any]]:
    """This test's replicas' pub/sub connections, as CLIENT LIST describes them."""
    clients: list[dict[str, Any]] = await raw_redis.client_list()
    return [c for c in clients if c.get("name") == f"{prefix}pubsub"]


async def test_subscriber_on_one_replica_gets_changes_written_through_another(
    replica: OpenReplica, key: str
) -> None:
    reader, writer = replica(queue_max=64), replica()
    document = await writer.create(key, "host")
    subscription = reader.subscribe(key, since=document.version)
    written = await asyncio.gather(*(writer.patch_state(key, {f"k{n}": n}) for n in range(30)))
    received = await take(subscription, 30)
    assert [c.version for c in received] == list(range(2, 32))
    by_version = {c.version: c for c in written}
    assert all(c == by_version[c.version] for c in received)


async def test_compare_and_set_holds_across_replicas(replica: OpenReplica, key: str) -> None:
    replicas = [replica() for _ in range(3)]
    await replicas[0].create(key, "host")
    results = await asyncio.gather(
        *(r.put_state(key, {"by": n}, if_version=1) for n, r in enumerate(replicas * 20)),
        return_exceptions=True,
    )
    assert len([r for r in results if isinstance(r, Change)]) == 1
    assert all(isinstance(r, Change | PreconditionFailed) for r in results)


async def test_one_pubsub_connection_serves_every_key(
    replica: OpenReplica, raw_redis: aioredis.Redis, prefix: str
) -> None:
    store = replica()
    keys = [f"many-{n}" for n in range(20)]
    for key in keys:
        await store.create(key, "host")
    subscriptions = [store.subscribe(key, since=1) for key in keys for _ in range(3)]
    for key in keys:
        await store.patch_state(key, {"hello": key})
    for subscription in subscriptions:
        assert [c.version for c in await take(subscription, 1)] == [2]
    clients = await pubsub_clients(raw_redis, prefix)
    assert len(clients) == 1
    assert int(clients[0]["sub"]) == len(keys)


async def test_channel_is_unsubscribed_after_its_last_local_subscriber_leaves(
    replica: OpenReplica, raw_redis: aioredis.Redis, key: str
) -> None:
    store = replica()
    await store.create(key, "host")
    subscriptions = [store.subscribe(key, since=1) for _ in range(2)]

    async def subscribers() -> int:
        counts = await raw_redis.pubsub_numsub(store.channel(key))
        return int(counts[0][1])

    await eventually(lambda: _equals(subscribers(), 1))
    await subscriptions[0].close()
    await asyncio.sleep(0.05)
    assert await subscribers() == 1
    await subscriptions[1].close()
    await eventually(lambda: _equals(subscribers(), 0))


async def test_lost_notification_is_filled_from_the_log(replica: OpenReplica, key: str) -> None:
    reader, writer = replica(), replica()
    document = await writer.create(key, "host")
    drop_messages(reader, {3, 4, 7})
    subscription = reader.subscribe(key, since=document.version)
    for n in range(8):
        await writer.patch_state(key, {"n": n})
    received = await take(subscription, 8)
    assert [c.version for c in received] == list(range(2, 10))
    assert [c.data["patch"]["n"] for c in received] == list(range(8))


async def test_lost_last_notification_is_filled_by_the_next_change(
    replica: OpenReplica, key: str
) -> None:
    reader, writer = replica(), replica()
    document = await writer.create(key, "host")
    subscription = reader.subscribe(key, since=document.version)
    await writer.patch_state(key, {"n": 0})
    assert [c.version for c in await take(subscription, 1)] == [2]
    drop_messages(reader, {3})
    await writer.patch_state(key, {"n": 1})
    await writer.patch_state(key, {"n": 2})
    assert [c.version for c in await take(subscription, 2)] == [3, 4]


async def test_gap_the_log_no_longer_holds_drops_the_subscribers(
    replica: OpenReplica, key: str
) -> None:
    reader, writer = replica(), replica()
    document = await writer.create(key, "host")
    subscription = reader.subscribe(key, since=document.version)
    await writer.patch_state(key, {"n": 0})
    assert [c.version for c in await take(subscription, 1)] == [2]
    drop_messages(reader, set(range(3, 3 + LIMITS.log_size + 1)))
    for n in range(LIMITS.log_size + 2):
        await writer.patch_state(key, {"n": n})
    with pytest.raises(SubscriptionLagged):
        await take(subscription, LIMITS.log_size + 2)


async def test_subscription_resumes_without_gaps_after_its_pubsub_connection_is_killed(
    replica: OpenReplica, raw_redis: aioredis.Redis, prefix: str, key: str
) -> None:
    reader, writer = replica(), replica()
    document = await writer.create(key, "host")
    subscription = reader.subscribe(key, since=document.version)
    await writer.patch_state(key, {"n": 0})
    assert [c.version for c in await take(subscription, 1)] == [2]
    (killed,) = await pubsub_clients(raw_redis, prefix)
    await raw_redis.client_kill_filter(_id=killed["id"])
    for n in range(1, 6):  # written while the reader reconnects
        await writer.patch_state(key, {"n": n})
    assert [c.version for c in await take(subscription, 5)] == [3, 4, 5, 6, 7]
    await writer.patch_state(key, {"n": 6})
    assert [c.version for c in await take(subscription, 1)] == [8]
    (current,) = await pubsub_clients(raw_redis, prefix)
    assert current["id"] != killed["id"]


async def _equals(value: Any, expected: Any) -> bool:
    return bool(await value == expected)
