"""Socket claims: at most `limit` open sockets per player per document, counted by the store."""

from __future__ import annotations

import pytest

from lobbyd.kit.clock import ManualClock
from lobbyd.store import SyncStore
from tests.store.conftest import MakeStore

TTL = 60.0


async def test_a_player_gets_limit_claims_and_a_released_one_is_free_again(
    store: SyncStore, key: str
) -> None:
    assert await store.claim_socket(key, "p", "a", limit=2, ttl=TTL)
    assert await store.claim_socket(key, "p", "b", limit=2, ttl=TTL)
    assert not await store.claim_socket(key, "p", "c", limit=2, ttl=TTL)
    assert await store.claim_socket(key, "other", "d", limit=2, ttl=TTL)  # per player
    assert await store.claim_socket("another-key", "p", "e", limit=2, ttl=TTL)  # per session
    await store.release_socket(key, "p", "a")
    assert await store.claim_socket(key, "p", "c", limit=2, ttl=TTL)


async def test_claims_are_shared_by_replicas_and_lapse_unless_renewed(
    store_backend: str, make_store: MakeStore, key: str, clock: ManualClock
) -> None:
    if store_backend != "redis":
        pytest.skip("one process: the memory store's claims are released, never lapse")
    a, b = await make_store(), await make_store()
    assert await a.claim_socket(key, "p", "kept", limit=2, ttl=TTL)
    assert await b.claim_socket(key, "p", "dropped", limit=2, ttl=TTL)
    assert not await a.claim_socket(key, "p", "third", limit=2, ttl=TTL)
    clock.advance(TTL / 2)
    await a.renew_sockets([(key, "p", "kept")], TTL)
    clock.advance(TTL / 2 + 1)  # b died: its claim was not renewed
    assert await a.claim_socket(key, "p", "third", limit=2, ttl=TTL)
    assert not await b.claim_socket(key, "p", "fourth", limit=2, ttl=TTL)
