"""Concurrent writers: compare-and-set picks one winner; plain writes all land, in sequence."""

from __future__ import annotations

import asyncio

from lobbyd.errors import PreconditionFailed
from lobbyd.store import Change, SyncStore
from tests.store.conftest import MakeStore, take


async def test_concurrent_writers_naming_one_version_leave_exactly_one_winner(
    store: SyncStore, key: str
) -> None:
    await store.create(key, "host")
    results = await asyncio.gather(
        *(store.put_state(key, {"writer": n}, if_version=1) for n in range(100)),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, Change)]
    assert len(winners) == 1
    assert all(isinstance(r, PreconditionFailed) for r in results if r not in winners)
    document = await store.get(key)
    assert (document.version, document.state) == (2, winners[0].data["state"])


async def test_concurrent_patches_all_apply_with_consecutive_versions(
    make_store: MakeStore, key: str
) -> None:
    store = await make_store(state_max=8192, log_size=256, queue_max=256)
    document = await store.create(key, "host")
    subscription = store.subscribe(key, since=document.version)
    changes = await asyncio.gather(*(store.patch_state(key, {f"k{n}": n}) for n in range(200)))
    assert sorted(c.version for c in changes) == list(range(2, 202))
    assert (await store.get(key)).state == {f"k{n}": n for n in range(200)}
    received = await take(subscription, 200)
    assert [c.version for c in received] == list(range(2, 202))


async def test_compare_and_set_loop_loses_no_update(store: SyncStore, key: str) -> None:
    await store.create(key, "host")
    await store.put_state(key, {"count": 0})

    async def increment() -> None:
        while True:
            document = await store.get(key)
            state = {"count": document.state["count"] + 1}
            try:
                await store.put_state(key, state, if_version=document.version)
                return
            except PreconditionFailed:
                await asyncio.sleep(0)

    await asyncio.gather(*(increment() for _ in range(30)))
    assert (await store.get(key)).state == {"count": 30}
