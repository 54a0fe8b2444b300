"""The sync store: versioned documents with an ordered event log (memory or Redis)."""

from __future__ import annotations

from lobbyd.kit.clock import Clock
from lobbyd.store.base import (
    JSON,
    Change,
    Document,
    Event,
    EventOutOfOrder,
    Limits,
    Subscription,
    SubscriptionLagged,
    SyncStore,
    compact_size,
)
from lobbyd.store.memory import MemoryStore
from lobbyd.store.redis import DEFAULT_PREFIX, RedisStore

__all__ = [
    "JSON",
    "Change",
    "Document",
    "Event",
    "EventOutOfOrder",
    "Limits",
    "MemoryStore",
    "RedisStore",
    "Subscription",
    "SubscriptionLagged",
    "SyncStore",
    "compact_size",
    "open_store",
]


def open_store(
    redis_url: str | None, limits: Limits, clock: Clock, *, prefix: str = DEFAULT_PREFIX
) -> SyncStore:
    """The Redis store (keys under `prefix`) when a URL is given, else the in-process one."""
    if redis_url is None:
        return MemoryStore(limits, clock)
    return RedisStore(redis_url, limits, clock, prefix=prefix)
