"""JSON fidelity: what goes in comes out exactly (Redis's Lua cjson must never mangle it)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lobbyd.kit import mergepatch
from lobbyd.store import SyncStore


def exact(value: Any) -> str:
    """A spelling that tells 1 from 1.0 and [] from {}."""
    return json.dumps(value, sort_keys=True)


STATES: dict[str, dict[str, Any]] = {
    "empty containers": {"list": [], "object": {}},
    "nested empty containers": {"a": {"b": {"c": {}, "d": []}}, "e": [[], {}, [{}]]},
    "big integers": {"big": 2**64 + 1, "negative": -(2**63) - 7, "past doubles": 9007199254740993},
    "floats": {"tenth": 0.1, "one": 1.0, "tiny": 5e-324, "huge": 1.7976931348623157e308},
    "unicode": {"é": "héllo", "emoji 😀": "✓ ∑ 中文", "nul": "a\x00b", "sep": "\u2028"},
    "escapes": {"s": 'q " b \\ / \n \t \x01 \x7f'},
    "the tag": {"~": "~", "t": "~~x", "u": "~1", "list": ["~", "~[]"]},
    "scalars": {"t": True, "f": False, "n": None, "zero": 0, "neg": -1},
    "arrays": {"mixed": [1, "two", 3.0, None, True, {"k": []}, [[]]]},
}


@pytest.mark.parametrize("state", list(STATES.values()), ids=list(STATES))
async def test_state_round_trips_exactly(store: SyncStore, key: str, state: dict[str, Any]) -> None:
    await store.create(key, "host")
    await store.put_state(key, state)
    assert exact((await store.get(key)).state) == exact(state)


@pytest.mark.parametrize("state", list(STATES.values()), ids=list(STATES))
async def test_member_document_round_trips_exactly(
    store: SyncStore, key: str, state: dict[str, Any]
) -> None:
    await store.create(key, "host")
    await store.put_member(key, "host", state)
    assert exact((await store.get(key)).members["host"]) == exact(state)


BASE = {key: value for state in STATES.values() for key, value in state.items()}
PATCHES: dict[str, dict[str, Any]] = {
    "add empty containers": {"x": {}, "y": []},
    "replace an array with an object": {"list": {"now": "object"}},
    "replace an object with an array": {"object": [1, 2]},
    "merge into nested objects": {"a": {"b": {"c": {"new": 2**70}, "d": None}}},
    "remove keys": {"big": None, "é": None, "missing": None},
    "nulls inside a new object are dropped": {"fresh": {"keep": 1, "drop": None, "o": {"z": None}}},
    "replace numbers exactly": {"tenth": 0.30000000000000004, "one": 1, "zero": 0.0},
    "tagged strings": {"~": "~~~", "new~": "~{}"},
}


@pytest.mark.parametrize("patch", list(PATCHES.values()), ids=list(PATCHES))
async def test_patch_gives_exactly_the_rfc_7396_result(
    store: SyncStore, key: str, patch: dict[str, Any]
) -> None:
    await store.create(key, "host")
    await store.put_state(key, BASE)
    await store.patch_state(key, patch)
    assert exact((await store.get(key)).state) == exact(mergepatch.apply(BASE, patch))


async def test_change_text_is_the_compact_json_of_the_change(store: SyncStore, key: str) -> None:
    await store.create(key, "host")
    changes = [
        await store.put_state(key, BASE),
        await store.patch_state(key, PATCHES["merge into nested objects"]),
        await store.put_member(key, "host", {"ready": True, "é": [1.0]}),
    ]
    for change in changes:
        assert json.loads(change.as_text()) == change.as_json()
        assert change.as_text() == json.dumps(
            change.as_json(), separators=(",", ":"), ensure_ascii=False
        )


async def test_logged_changes_are_exactly_the_changes_written(store: SyncStore, key: str) -> None:
    await store.create(key, "host")
    written = [
        await store.put_state(key, BASE),
        await store.patch_state(key, {"x": [], "tenth": None}),
    ]
    logged = await store.changes_since(key, 1)
    assert logged is not None
    assert [exact(c.as_json()) for c in logged] == [exact(c.as_json()) for c in written]
    assert [c.as_text() for c in logged] == [c.as_text() for c in written]
