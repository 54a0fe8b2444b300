"""Documents: create, read, compare-and-set writes, limits, the end of a session, expiry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from lobbyd.errors import Conflict, NotFound, PayloadTooLarge, PreconditionFailed
from lobbyd.kit import mergepatch
from lobbyd.kit.clock import ManualClock
from lobbyd.store import Change, Event, SyncStore, compact_size
from tests.store.conftest import MakeStore

Write = Callable[[SyncStore, str, int | None], Awaitable[Change]]

WRITES: dict[str, Write] = {
    "put_state": lambda s, k, v: s.put_state(k, {"a": 1}, if_version=v),
    "patch_state": lambda s, k, v: s.patch_state(k, {"a": 1}, if_version=v),
    "put_member": lambda s, k, v: s.put_member(k, "host", {"ready": True}, if_version=v),
}


@pytest.fixture(params=list(WRITES))
def write(request: pytest.FixtureRequest) -> Write:
    """Each kind of client write."""
    return WRITES[request.param]


async def test_create_gives_version_1_with_empty_state_and_the_host_as_member(
    store: SyncStore, key: str
) -> None:
    document = await store.create(key, "host")
    assert document.as_json() == {"version": 1, "state": {}, "members": {"host": {}}}
    assert not document.ended


async def test_create_of_an_existing_document_returns_it_unchanged(
    store: SyncStore, key: str
) -> None:
    await store.create(key, "host")
    await store.put_state(key, {"a": 1})
    document = await store.create(key, "someone-else")
    assert document.as_json() == {"version": 2, "state": {"a": 1}, "members": {"host": {}}}


async def test_get_of_an_unknown_key_is_not_found(store: SyncStore, key: str) -> None:
    with pytest.raises(NotFound) as caught:
        await store.get(key)
    assert caught.value.code == "no_document"


async def test_write_to_an_unknown_key_is_not_found(
    store: SyncStore, key: str, write: Write
) -> None:
    with pytest.raises(NotFound):
        await write(store, key, None)


async def test_put_state_replaces_state_and_bumps_the_version(store: SyncStore, key: str) -> None:
    await store.create(key, "host")
    await store.put_state(key, {"a": 1, "b": {"c": 2}})
    change = await store.put_state(key, {"z": []})
    assert change.as_json() == {"type": "state_replaced", "version": 3, "state": {"z": []}}
    assert (await store.get(key)).as_json()["state"] == {"z": []}


async def test_patch_state_merges_into_state(store: SyncStore, key: str) -> None:
    await store.create(key, "host")
    await store.put_state(key, {"a": 1, "b": {"c": 2, "d": 3}})
    change = await store.patch_state(key, {"b": {"c": None, "e": 4}})
    assert change.as_json() == {
        "type": "state_patch",
        "version": 3,
        "patch": {"b": {"c": None, "e": 4}},
    }
    assert (await store.get(key)).state == {"a": 1, "b": {"d": 3, "e": 4}}


async def test_put_member_replaces_that_members_document(store: SyncStore, key: str) -> None:
    await store.create(key, "host")
    await store.put_member(key, "host", {"ready": False, "deck": [1, 2]})
    change = await store.put_member(key, "host", {"ready": True})
    assert change.as_json() == {
        "type": "member_updated",
        "version": 3,
        "player": "host",
        "document": {"ready": True},
    }
    assert (await store.get(key)).members == {"host": {"ready": True}}


async def test_put_member_for_a_player_who_is_not_a_member_is_a_conflict(
    store: SyncStore, key: str
) -> None:
    await store.create(key, "host")
    with pytest.raises(Conflict) as caught:
        await store.put_member(key, "stranger", {})
    assert caught.value.code == "not_member"
    assert (await store.get(key)).version == 1


async def test_write_naming_the_current_version_succeeds(
    store: SyncStore, key: str, write: Write
) -> None:
    await store.create(key, "host")
    change = await write(store, key, 1)
    assert change.version == 2


async def test_stale_if_version_is_refused(store: SyncStore, key: str, write: Write) -> None:
    await store.create(key, "host")
    await store.put_state(key, {"before": True})
    with pytest.raises(PreconditionFailed):
        await write(store, key, 1)
    document = await store.get(key)
    assert document.as_json() == {"version": 2, "state": {"before": True}, "members": {"host": {}}}


async def test_state_over_the_limit_is_refused_and_the_document_unchanged(
    make_store: MakeStore, key: str
) -> None:
    store = await make_store(state_max=64)
    await store.create(key, "host")
    await store.put_state(key, {"small": 1})
    with pytest.raises(PayloadTooLarge):
        await store.put_state(key, {"big": "x" * 64})
    assert (await store.get(key)).as_json()["version"] == 2
    assert (await store.get(key)).state == {"small": 1}


async def test_patch_that_would_make_state_too_large_is_refused_and_the_document_unchanged(
    make_store: MakeStore, key: str
) -> None:
    store = await make_store(state_max=64)
    await store.create(key, "host")
    await store.put_state(key, {"a": "x" * 40})
    with pytest.raises(PayloadTooLarge):
        await store.patch_state(key, {"b": "y" * 20})
    document = await store.get(key)
    assert (document.version, document.state) == (2, {"a": "x" * 40})


async def test_member_document_over_the_limit_is_refused_and_unchanged(
    make_store: MakeStore, key: str
) -> None:
    store = await make_store(member_max=32)
    await store.create(key, "host")
    with pytest.raises(PayloadTooLarge):
        await store.put_member(key, "host", {"name": "n" * 32})
    document = await store.get(key)
    assert (document.version, document.members) == (1, {"host": {}})


# Escapes, multi-byte characters, numbers and arrays: sizes must be counted like Python does.
AWKWARD: dict[str, Any] = {
    "text": 'quote " backslash \\ slash / tab \t newline \n bell \x07 del \x7f',
    "unicode": "héllo wörld ✓ 😀",
    "~tilde": "~starts with the tag",
    "numbers": [1, -2.5, 1e100, 2**64, 0.1],
    "nested": {"empty": {}, "list": [], "flag": False, "nothing": None, "yes": True},
}


async def test_state_of_exactly_the_limit_is_accepted_and_one_byte_more_refused(
    make_store: MakeStore, key: str
) -> None:
    store = await make_store(state_max=compact_size(AWKWARD))
    await store.create(key, "host")
    await store.put_state(key, AWKWARD)
    with pytest.raises(PayloadTooLarge):
        await store.put_state(key, {**AWKWARD, "unicode": AWKWARD["unicode"] + "!"})
    assert (await store.get(key)).state == AWKWARD


@pytest.mark.parametrize(
    "patch",
    [
        {"text": None},
        {"nested": {"list": None, "more": {"deep": ["x", {}]}}},
        {"numbers": "now a string", "unicode": {"k": "ü"}},
        {"new \\ key \n": "v\x01", "~tilde": None},
        {"nested": None, "flag": True},
    ],
)
async def test_patched_state_is_measured_exactly_against_the_limit(
    make_store: MakeStore, key: str, patch: dict[str, Any]
) -> None:
    limit = 2048
    store = await make_store(state_max=limit)
    await store.create(key, "host")
    await store.put_state(key, AWKWARD)
    # Pad the patch so that the merged state is exactly at the limit.
    room = limit - compact_size(mergepatch.apply(AWKWARD, {**patch, "pad": ""}))
    with pytest.raises(PayloadTooLarge):
        await store.patch_state(key, {**patch, "pad": "p" * (room + 1)})
    await store.patch_state(key, {**patch, "pad": "p" * room})
    with pytest.raises(PayloadTooLarge):
        await store.patch_state(key, {"pad": "p" * (room + 1)})
    await store.patch_state(key, {"pad": "p" * (room - 1)})
    expected = mergepatch.apply(AWKWARD, {**patch, "pad": "p" * (room - 1)})
    assert (await store.get(key)).state == expected


@pytest.mark.parametrize("kind", ["put_state", "patch_state", "put_member"])
async def test_writes_after_session_ended_are_a_conflict(
    store: SyncStore, key: str, kind: str
) -> None:
    await store.create(key, "host")
    await store.apply_event(key, 1, Event("session_ended", reason="host_left"))
    with pytest.raises(Conflict) as caught:
        await WRITES[kind](store, key, None)
    assert caught.value.code == "session_ended"
    document = await store.get(key)
    assert document.ended
    assert document.version == 2


async def test_returned_documents_are_the_callers_own(store: SyncStore, key: str) -> None:
    await store.create(key, "host")
    items = [1]
    await store.put_state(key, {"list": items, "obj": {"a": 1}})
    items.append(2)
    document = await store.get(key)
    document.state["obj"]["a"] = 99
    document.members["host"]["x"] = 1
    again = await store.get(key)
    assert again.state == {"list": [1], "obj": {"a": 1}}
    assert again.members == {"host": {}}


async def test_expired_document_is_gone_once_the_clock_passes_its_time(
    store: SyncStore, key: str, clock: ManualClock
) -> None:
    await store.create(key, "host")
    await store.expire(key, 300)
    clock.advance(300.5)
    with pytest.raises(NotFound):
        await store.get(key)
    with pytest.raises(NotFound):
        await store.changes_since(key, 1)
    assert await store.applied_events(key) == 0


async def test_expiring_document_stays_until_its_time(
    store: SyncStore, key: str, clock: ManualClock
) -> None:
    await store.create(key, "host")
    await store.expire(key, 300)
    clock.advance(299)
    await store.put_state(key, {"still": "here"})
    assert (await store.get(key)).state == {"still": "here"}


async def test_expire_of_an_unknown_key_does_nothing(store: SyncStore, key: str) -> None:
    await store.expire(key, 10)
    with pytest.raises(NotFound):
        await store.get(key)


async def test_expired_key_can_be_created_again_from_version_1(
    store: SyncStore, key: str, clock: ManualClock
) -> None:
    await store.create(key, "host")
    await store.put_state(key, {"old": True})
    await store.expire(key, 1)
    clock.advance(2)
    document = await store.create(key, "host")
    assert document.as_json() == {"version": 1, "state": {}, "members": {"host": {}}}
    assert await store.changes_since(key, 1) == []


async def test_delete_removes_the_document_and_its_log(store: SyncStore, key: str) -> None:
    await store.create(key, "host")
    await store.put_state(key, {"a": 1})
    await store.delete(key)
    with pytest.raises(NotFound):
        await store.get(key)
    await store.create(key, "host")
    assert await store.changes_since(key, 1) == []
    assert await store.changes_since(key, 2) is None


async def test_create_can_rebuild_a_document_with_guests_and_applied_events(
    make_store: MakeStore,
) -> None:
    store = await make_store()
    document = await store.create("rebuilt", "host", guests=["g1", "g2"], applied=7)
    assert set(document.members) == {"host", "g1", "g2"}
    assert await store.applied_events("rebuilt") == 7
    assert await store.apply_event("rebuilt", 8, Event("member_left", "g1")) is not None
    assert set((await store.get("rebuilt")).members) == {"host", "g2"}


async def test_create_leaves_an_existing_document_alone(make_store: MakeStore) -> None:
    store = await make_store()
    await store.create("kept", "host")
    again = await store.create("kept", "host", guests=["intruder"], applied=5)
    assert set(again.members) == {"host"}
    assert await store.applied_events("kept") == 0
