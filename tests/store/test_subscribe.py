"""Subscriptions: every change, in order, without gaps; slow subscribers are dropped."""

from __future__ import annotations

import asyncio

import pytest

from lobbyd.store import SubscriptionLagged, SyncStore
from lobbyd.store.feed import Feed
from tests.store.conftest import LIMITS, MakeStore, take


async def test_subscriber_gets_every_change_in_order(store: SyncStore, key: str) -> None:
    document = await store.create(key, "host")
    subscription = store.subscribe(key, since=document.version)
    for n in range(12):
        await store.patch_state(key, {"n": n})
    changes = await take(subscription, 12)
    assert [c.version for c in changes] == list(range(2, 14))
    assert [c.data["patch"]["n"] for c in changes] == list(range(12))


async def test_subscribe_since_an_older_version_replays_the_missed_changes_first(
    store: SyncStore, key: str
) -> None:
    await store.create(key, "host")
    for n in range(3):
        await store.patch_state(key, {"n": n})
    subscription = store.subscribe(key, since=2)
    await store.patch_state(key, {"n": "live"})
    changes = await take(subscription, 3)
    assert [c.version for c in changes] == [3, 4, 5]


async def test_changes_between_snapshot_and_subscribe_are_not_lost(
    store: SyncStore, key: str
) -> None:
    snapshot = await store.create(key, "host")
    await store.patch_state(key, {"written": "after the snapshot"})
    subscription = store.subscribe(key, since=snapshot.version)
    assert [c.version for c in await take(subscription, 1)] == [2]


async def test_subscribe_since_a_version_no_longer_kept_lags(store: SyncStore, key: str) -> None:
    await store.create(key, "host")
    for n in range(LIMITS.log_size + 2):
        await store.patch_state(key, {"n": n})
    subscription = store.subscribe(key, since=1)
    with pytest.raises(SubscriptionLagged):
        await take(subscription, 1)


async def test_subscriber_without_since_gets_every_change_once_live(
    store: SyncStore, key: str
) -> None:
    await store.create(key, "host")
    subscription = store.subscribe(key)
    first = asyncio.ensure_future(take(subscription, 1))
    while not first.done():  # Redis: the subscription is live once a change comes through
        await store.patch_state(key, {"probe": True})
        await asyncio.sleep(0.01)
    start = (await first)[0].version
    version = (await store.get(key)).version
    for n in range(5):
        await store.patch_state(key, {"n": n})
    changes = await take(subscription, version - start + 5)
    assert [c.version for c in changes] == list(range(start + 1, version + 6))


async def test_many_subscribers_each_get_every_change(store: SyncStore, key: str) -> None:
    document = await store.create(key, "host")
    subscriptions = [store.subscribe(key, since=document.version) for _ in range(100)]
    for n in range(10):
        await store.patch_state(key, {"n": n})
    received = await asyncio.gather(*(take(s, 10) for s in subscriptions))
    assert all([c.version for c in changes] == list(range(2, 12)) for changes in received)


async def test_slow_subscriber_is_dropped_with_subscription_lagged(
    store: SyncStore, key: str
) -> None:
    document = await store.create(key, "host")
    slow = store.subscribe(key, since=document.version)
    for n in range(LIMITS.queue_max + 5):
        await store.patch_state(key, {"n": n})
    with pytest.raises(SubscriptionLagged):
        await take(slow, LIMITS.queue_max + 5)


async def test_slow_subscriber_never_holds_more_than_queue_max(store: SyncStore, key: str) -> None:
    document = await store.create(key, "host")
    slow = store.subscribe(key, since=document.version)
    assert isinstance(slow, Feed)
    backlog = []
    for n in range(LIMITS.queue_max * 3):
        await store.patch_state(key, {"n": n})
        await asyncio.sleep(0.002)  # let Redis notifications arrive
        backlog.append(slow.backlog)
    assert max(backlog) == LIMITS.queue_max
    assert slow.backlog == 0  # dropped: its queue was freed


async def test_a_slow_subscriber_does_not_hold_back_the_others(store: SyncStore, key: str) -> None:
    document = await store.create(key, "host")
    slow = store.subscribe(key, since=document.version)
    fast = store.subscribe(key, since=document.version)
    count = LIMITS.queue_max * 2
    reader = asyncio.ensure_future(take(fast, count))
    for n in range(count):
        await store.patch_state(key, {"n": n})
        await asyncio.sleep(0)
    assert [c.version for c in await reader] == list(range(2, count + 2))
    with pytest.raises(SubscriptionLagged):
        await take(slow, count)


async def test_closed_subscription_ends_its_iteration(store: SyncStore, key: str) -> None:
    document = await store.create(key, "host")
    subscription = store.subscribe(key, since=document.version)
    await store.patch_state(key, {"n": 1})
    await take(subscription, 1)
    await subscription.close()
    await store.patch_state(key, {"n": 2})
    assert await take(subscription, 1) == []


async def test_closing_the_store_ends_every_subscription(make_store: MakeStore, key: str) -> None:
    store = await make_store()
    document = await store.create(key, "host")
    subscriptions = [store.subscribe(key, since=document.version) for _ in range(3)]
    await store.close()
    for subscription in subscriptions:
        assert await take(subscription, 1) == []


async def test_deleting_the_document_ends_its_subscriptions(store: SyncStore, key: str) -> None:
    document = await store.create(key, "host")
    subscription = store.subscribe(key, since=document.version)
    await store.patch_state(key, {"last": True})
    assert [c.version for c in await take(subscription, 1)] == [2]
    await store.delete(key)
    assert await take(subscription, 1) == []


async def test_subscription_to_a_document_deleted_before_it_caught_up_lags(
    store: SyncStore, key: str
) -> None:
    document = await store.create(key, "host")
    await store.patch_state(key, {"n": 1})
    await store.delete(key)
    subscription = store.subscribe(key, since=document.version)
    with pytest.raises(SubscriptionLagged):
        await take(subscription, 1)


async def test_changes_carry_their_message_text(store: SyncStore, key: str) -> None:
    document = await store.create(key, "host")
    subscription = store.subscribe(key, since=document.version)
    written = await store.put_member(key, "host", {"é": [1.0, {}]})
    received = (await take(subscription, 1))[0]
    assert received == written
    assert received.text == written.as_text()


async def test_resubscribing_right_after_the_last_subscriber_left_misses_nothing(
    store: SyncStore, key: str
) -> None:
    version = (await store.create(key, "host")).version
    for n in range(10):
        subscription = store.subscribe(key, since=version)
        await store.patch_state(key, {"n": n})
        version += 1
        assert [c.version for c in await take(subscription, 1)] == [version]
        await subscription.close()
