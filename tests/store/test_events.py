"""Membership events: applied exactly once, in order, by number."""

from __future__ import annotations

import asyncio

import pytest

from lobbyd.errors import NotFound
from lobbyd.store import Event, EventOutOfOrder, SyncStore
from tests.store.conftest import MakeStore

JOIN = Event("member_joined", player="guest")


async def test_member_joined_adds_an_empty_member_document(store: SyncStore, key: str) -> None:
    await store.create(key, "host")
    change = await store.apply_event(key, 1, JOIN)
    assert change is not None
    assert change.as_json() == {"type": "member_joined", "version": 2, "player": "guest"}
    assert (await store.get(key)).members == {"host": {}, "guest": {}}


@pytest.mark.parametrize("kind", ["member_left", "member_kicked"])
async def test_leaving_or_kicked_member_is_removed(store: SyncStore, key: str, kind: str) -> None:
    await store.create(key, "host")
    await store.apply_event(key, 1, JOIN)
    await store.put_member(key, "guest", {"ready": True})
    change = await store.apply_event(key, 2, Event(kind, player="guest"))
    assert change is not None
    assert change.as_json() == {"type": kind, "version": 4, "player": "guest"}
    assert (await store.get(key)).members == {"host": {}}


async def test_member_event_reason_is_part_of_the_change(store: SyncStore, key: str) -> None:
    await store.create(key, "host")
    await store.apply_event(key, 1, JOIN)
    change = await store.apply_event(key, 2, Event("member_kicked", "guest", reason="banned"))
    assert change is not None
    expected = {"type": "member_kicked", "version": 3, "player": "guest", "reason": "banned"}
    assert change.as_json() == expected
    logged = await store.changes_since(key, 2)
    assert logged is not None
    assert [c.as_json() for c in logged] == [expected]


async def test_session_ended_marks_the_document_ended(store: SyncStore, key: str) -> None:
    await store.create(key, "host")
    change = await store.apply_event(key, 1, Event("session_ended", reason="timeout"))
    assert change is not None
    assert change.as_json() == {"type": "session_ended", "version": 2, "reason": "timeout"}
    assert (await store.get(key)).ended


async def test_event_applied_before_returns_none_and_changes_nothing(
    store: SyncStore, key: str
) -> None:
    await store.create(key, "host")
    await store.apply_event(key, 1, JOIN)
    await store.apply_event(key, 2, Event("member_left", player="guest"))
    assert await store.apply_event(key, 1, JOIN) is None
    assert await store.apply_event(key, 2, Event("member_left", player="guest")) is None
    document = await store.get(key)
    assert (document.version, document.members) == (3, {"host": {}})


async def test_event_after_a_missing_one_is_out_of_order(store: SyncStore, key: str) -> None:
    await store.create(key, "host")
    await store.apply_event(key, 1, JOIN)
    with pytest.raises(EventOutOfOrder) as caught:
        await store.apply_event(key, 3, Event("member_left", player="guest"))
    assert caught.value.applied == 1
    assert (await store.get(key)).version == 2


async def test_applied_events_counts_applied_events(store: SyncStore, key: str) -> None:
    assert await store.applied_events(key) == 0
    await store.create(key, "host")
    assert await store.applied_events(key) == 0
    await store.apply_event(key, 1, JOIN)
    await store.apply_event(key, 2, Event("member_joined", player="other"))
    assert await store.applied_events(key) == 2


async def test_event_for_an_unknown_key_is_not_found(store: SyncStore, key: str) -> None:
    with pytest.raises(NotFound):
        await store.apply_event(key, 1, JOIN)


async def test_events_after_session_ended_count_but_change_nothing(
    store: SyncStore, key: str
) -> None:
    await store.create(key, "host")
    await store.apply_event(key, 1, Event("session_ended", reason="host_left"))
    assert await store.apply_event(key, 2, JOIN) is None
    assert await store.applied_events(key) == 2
    document = await store.get(key)
    assert (document.version, document.members) == (2, {"host": {}})


async def test_concurrent_retries_of_one_event_apply_it_once(store: SyncStore, key: str) -> None:
    await store.create(key, "host")
    results = await asyncio.gather(*(store.apply_event(key, 1, JOIN) for _ in range(50)))
    assert len([change for change in results if change is not None]) == 1
    assert (await store.get(key)).version == 2


async def test_concurrent_events_in_any_order_end_applied_in_order(
    make_store: MakeStore, key: str
) -> None:
    store = await make_store(log_size=64)
    await store.create(key, "host")
    players = [f"p{n}" for n in range(1, 21)]

    async def relay(seq: int) -> None:
        # A relay retries until every earlier event is in, as the sessions relay does.
        while True:
            try:
                await store.apply_event(key, seq, Event("member_joined", player=players[seq - 1]))
                return
            except EventOutOfOrder:
                await asyncio.sleep(0)

    await asyncio.gather(*(relay(seq) for seq in reversed(range(1, 21))))
    changes = await store.changes_since(key, 1)
    assert changes is not None
    assert [change.data["player"] for change in changes] == players
