"""The change log: replay after a version, kept by count and by age."""

from __future__ import annotations

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
