"""The change log: replay after a version, kept by count and by age."""

from __future__ import annotations

from typing import Any

import pytest

from lobbyd.errors import NotFound
from lobbyd.kit.clock import ManualClock
from lobbyd.store import SyncStore
from tests.store.conftest import LIMITS, MakeStore


async def write_changes(store: SyncStore, key: str, count: int) -> None:
    """Create the document and make `count` changes (versions 2 .. count + 1)."""
    await store.create(key, "host")
    for n in range(count):
        await store.patch_state(key, {"n": n})


async def test_changes_since_a_version_are_the_later_changes_in_order(
    store: SyncStore, key: str
) -> None:
    await write_changes(store, key, 5)
    changes = await store.changes_since(key, 3)
    assert changes is not None
    assert [(c.version, c.data) for c in changes] == [
        (4, {"patch": {"n": 2}}),
        (5, {"patch": {"n": 3}}),
        (6, {"patch": {"n": 4}}),
    ]


async def test_changes_since_the_current_version_are_none_yet(store: SyncStore, key: str) -> None:
    await write_changes(store, key, 2)
    assert await store.changes_since(key, 3) == []


async def test_the_last_log_size_changes_are_kept(store: SyncStore, key: str) -> None:
    await write_changes(store, key, LIMITS.log_size * 3)
    version = LIMITS.log_size * 3 + 1
    changes = await store.changes_since(key, version - LIMITS.log_size)
    assert changes is not None
    assert [c.version for c in changes] == list(range(version - LIMITS.log_size + 1, version + 1))


async def test_changes_beyond_log_size_are_no_longer_given(store: SyncStore, key: str) -> None:
    await write_changes(store, key, LIMITS.log_size * 3)
    version = LIMITS.log_size * 3 + 1
    assert await store.changes_since(key, version - LIMITS.log_size - 1) is None


async def test_changes_since_creation_are_given_while_all_are_kept(
    store: SyncStore, key: str
) -> None:
    await write_changes(store, key, 3)
    changes = await store.changes_since(key, 1)
    assert changes is not None
    assert [c.version for c in changes] == [2, 3, 4]


async def test_changes_older_than_log_age_are_no_longer_given(
    store: SyncStore, key: str, clock: ManualClock
) -> None:
    await write_changes(store, key, 2)
    clock.advance(LIMITS.log_age + 1)
    await store.patch_state(key, {"late": True})
    assert await store.changes_since(key, 1) is None
    assert await store.changes_since(key, 2) is None
    changes = await store.changes_since(key, 3)
    assert changes is not None
    assert [c.version for c in changes] == [4]


async def test_aged_changes_are_not_given_even_before_the_next_write(
    store: SyncStore, key: str, clock: ManualClock
) -> None:
    await write_changes(store, key, 2)
    clock.advance(LIMITS.log_age + 1)
    assert await store.changes_since(key, 2) is None
    assert await store.changes_since(key, 3) == []


async def test_changes_younger_than_log_age_are_given(
    store: SyncStore, key: str, clock: ManualClock
) -> None:
    await write_changes(store, key, 2)
    clock.advance(LIMITS.log_age - 1)
    await store.patch_state(key, {"late": True})
    changes = await store.changes_since(key, 1)
    assert changes is not None
    assert [c.version for c in changes] == [2, 3, 4]


async def test_changes_since_a_version_the_document_never_had_are_none(
    store: SyncStore, key: str
) -> None:
    await write_changes(store, key, 2)
    assert await store.changes_since(key, 10) is None
    assert await store.changes_since(key, 0) is None


async def test_changes_since_of_an_unknown_key_is_not_found(store: SyncStore, key: str) -> None:
    with pytest.raises(NotFound):
        await store.changes_since(key, 1)


async def test_log_keeps_at_least_log_size_under_a_large_limit(
    make_store: MakeStore, key: str
) -> None:
    store = await make_store(log_size=1000)
    await write_changes(store, key, 1100)
    changes = await store.changes_since(key, 1101 - 1000)
    assert changes is not None
    assert len(changes) == 1000
    assert await store.changes_since(key, 1101 - 1001) is None


BIG = "x" * 9_000  # a state change of about 9 KB


async def test_the_log_keeps_only_as_many_changes_as_fit_in_log_bytes(
    make_store: MakeStore, key: str
) -> None:
    store = await make_store(state_max=20_000, log_bytes=40_000)
    await store.create(key, "host")
    for n in range(20):
        await store.put_state(key, {"n": n, "blob": BIG})
    current = 21
    assert await store.changes_since(key, 2) is None  # trimmed by bytes, long before 32 changes
    kept = [v for v in range(1, current) if await store.changes_since(key, v) is not None]
    oldest = min(kept)
    changes = await store.changes_since(key, oldest)
    assert changes is not None
    assert [c.version for c in changes] == list(range(oldest + 1, current + 1))
    assert sum(len(c.as_text().encode()) for c in changes) <= 40_000
    assert len(changes) >= 3  # as many as fit, not fewer


async def test_the_newest_change_is_kept_even_past_log_bytes(
    make_store: MakeStore, key: str
) -> None:
    store = await make_store(state_max=20_000, log_bytes=1_000)
    await store.create(key, "host")
    await store.put_state(key, {"blob": BIG})
    await store.put_state(key, {"blob": BIG + "y"})
    changes = await store.changes_since(key, 2)
    assert changes is not None
    assert [c.version for c in changes] == [3]
    assert await store.changes_since(key, 1) is None


async def test_the_redis_log_key_itself_stays_within_log_bytes(
    store_backend: str, make_store: MakeStore, key: str, raw_redis: Any, prefix: str
) -> None:
    if store_backend != "redis":
        pytest.skip("the Redis key layout")
    raw = raw_redis
    store = await make_store(state_max=20_000, log_bytes=40_000)
    await store.create(key, "host")
    for n in range(50):
        await store.put_state(key, {"n": n, "blob": BIG})
    entries = await raw.lrange(f"{prefix}log:{{{key}}}", 0, -1)
    texts = entries[1::2]
    assert sum(len(text.encode()) for text in texts) <= 40_000
    assert int(await raw.hget(f"{prefix}doc:{{{key}}}", "lb")) == sum(
        len(t.encode()) for t in texts
    )
