"""open_store: the backend follows the settings."""

from __future__ import annotations

from lobbyd.kit.clock import ManualClock
from lobbyd.store import MemoryStore, RedisStore, open_store
from tests.store.conftest import LIMITS


async def test_without_a_redis_url_the_store_is_in_process(clock: ManualClock) -> None:
    store = open_store(None, LIMITS, clock)
    assert isinstance(store, MemoryStore)
    await store.close()


async def test_with_a_redis_url_the_store_is_redis_under_the_prefix(
    redis_url: str, clock: ManualClock, prefix: str
) -> None:
    store = open_store(redis_url, LIMITS, clock, prefix=prefix)
    assert isinstance(store, RedisStore)
    assert store.channel("k") == f"{prefix}changes:{{k}}"
    await store.ping()
    await store.close()
