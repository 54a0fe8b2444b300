"""Writing over the sync socket: acknowledgements, conflicts, refusals, ping and bad messages."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from tests.sync.conftest import Served, new_guest, new_session, open_socket, receive, receive_many


async def _send(socket: ClientConnection, message: dict[str, Any]) -> None:
    await socket.send(json.dumps(message))


def _by_type(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The ack and the change it made may arrive in either order."""
    return {message["type"]: message for message in messages}


async def test_host_patches_over_the_socket_and_gets_an_ack_and_the_change(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    async with await open_socket(served, session.key, session.host.token) as socket:
        await receive(socket)
        await _send(socket, {"type": "patch", "id": "p1", "patch": {"turn": 2}})
        got = _by_type(await receive_many(socket, 2))
    assert got["ack"] == {"type": "ack", "id": "p1", "version": 2}
    assert got["state_patch"] == {"type": "state_patch", "version": 2, "patch": {"turn": 2}}
    document = (await client.get(f"/sync/{session.key}", headers=session.host.auth)).json()
    assert document["state"] == {"turn": 2}


async def test_host_replaces_over_the_socket_with_a_matching_if_version(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    async with await open_socket(served, session.key, session.host.token) as socket:
        await receive(socket)
        await _send(socket, {"type": "replace", "id": 7, "state": {"a": 1}, "if_version": 1})
        got = _by_type(await receive_many(socket, 2))
    assert got["ack"] == {"type": "ack", "id": 7, "version": 2}
    assert got["state_replaced"]["state"] == {"a": 1}


async def test_a_stale_if_version_is_a_conflict_error_and_changes_nothing(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    await client.put(f"/sync/{session.key}", json={"a": 1}, headers=session.host.auth)
    async with await open_socket(served, session.key, session.host.token) as socket:
        await receive(socket)
        await _send(socket, {"type": "patch", "id": "x", "patch": {"a": 2}, "if_version": 1})
        answer = await receive(socket)
    assert answer["type"] == "error"
    assert (answer["id"], answer["code"], answer["version"]) == ("x", "precondition_failed", 2)
    document = (await client.get(f"/sync/{session.key}", headers=session.host.auth)).json()
    assert document == {"version": 2, "state": {"a": 1}, "members": {session.host.uuid: {}}}


async def test_a_guest_may_not_write_the_state_over_the_socket(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    async with await open_socket(served, session.key, guest.token) as socket:
        await receive(socket)
        await _send(socket, {"type": "patch", "id": 1, "patch": {"cheat": True}})
        patched = await receive(socket)
        await _send(socket, {"type": "replace", "id": 2, "state": {}})
        replaced = await receive(socket)
    assert (patched["type"], patched["id"], patched["code"]) == ("error", 1, "forbidden")
    assert (replaced["id"], replaced["code"]) == (2, "forbidden")


async def test_a_guest_writes_its_own_member_document_over_the_socket(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    async with await open_socket(served, session.key, guest.token) as socket:
        await receive(socket)
        await _send(socket, {"type": "member", "id": "m", "document": {"ready": True}})
        got = _by_type(await receive_many(socket, 2))
    assert got["ack"] == {"type": "ack", "id": "m", "version": 3}
    assert got["member_updated"]["player"] == guest.uuid
    assert got["member_updated"]["document"] == {"ready": True}


async def test_an_oversized_write_is_a_too_large_error(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    async with await open_socket(served, session.key, session.host.token) as socket:
        await receive(socket)
        await _send(socket, {"type": "replace", "id": 1, "state": {"x": "y" * 70_000}})
        answer = await receive(socket)
    assert (answer["type"], answer["code"]) == ("error", "too_large")


async def test_writes_after_the_session_ended_are_refused(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    async with await open_socket(served, session.key, guest.token) as socket:
        await receive(socket)
        await client.delete(f"/sessions/{session.session_id}", headers=session.host.auth)
        assert (await receive(socket))["type"] == "session_ended"
    # A late write: the socket was closed, and the document refuses writes.
    answer = await client.put(f"/sync/{session.key}", json={}, headers=session.host.auth)
    assert answer.json()["code"] == "session_ended"


async def test_ping_is_answered_with_pong_and_the_last_version_sent(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    await client.put(f"/sync/{session.key}", json={"a": 1}, headers=session.host.auth)
    async with await open_socket(served, session.key, session.host.token) as socket:
        await receive(socket)
        await _send(socket, {"type": "ping", "id": "hello"})
        assert await receive(socket) == {"type": "pong", "id": "hello", "version": 2}
        await _send(socket, {"type": "ping"})
        assert await receive(socket) == {"type": "pong", "id": None, "version": 2}


@pytest.mark.parametrize(
    ("raw", "echoed"),
    [
        ("not json", None),
        ("[1, 2]", None),
        ('{"type": "shout", "id": "q"}', "q"),
        ('{"type": "patch", "id": 3, "patch": [1]}', 3),
        ('{"type": "patch", "id": 4, "patch": {}, "if_version": "2"}', 4),
        ('{"type": "patch", "patch": {}}', None),
        ('{"type": "ping", "id": 5, "extra": true}', 5),
        ('{"type": "replace", "id": 6, "state": {"x": NaN}}', None),
    ],
    ids=[
        "text",
        "array",
        "unknown-type",
        "patch-not-object",
        "version-string",
        "no-id",
        "extra",
        "nan",
    ],
)
async def test_a_bad_message_is_answered_with_an_error_and_the_socket_stays_open(
    client: httpx.AsyncClient, served: Served, raw: str, echoed: object
) -> None:
    session = await new_session(client)
    async with await open_socket(served, session.key, session.host.token) as socket:
        await receive(socket)
        await socket.send(raw)
        answer = await receive(socket)
        await _send(socket, {"type": "ping", "id": "still-there"})
        assert (await receive(socket))["id"] == "still-there"
    assert (answer["type"], answer["code"], answer["id"]) == ("error", "bad_message", echoed)
    assert answer["message"]


async def test_binary_frames_carry_json_too(client: httpx.AsyncClient, served: Served) -> None:
    session = await new_session(client)
    async with await open_socket(served, session.key, session.host.token) as socket:
        await receive(socket)
        await socket.send(b'{"type": "ping", "id": "bin"}')
        assert (await receive(socket))["type"] == "pong"


async def test_one_sockets_writes_apply_in_the_order_sent(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    async with await open_socket(served, session.key, session.host.token) as socket:
        await receive(socket)
        for n in range(50):
            await _send(socket, {"type": "patch", "id": n, "patch": {"n": n}})
        messages = await receive_many(socket, 100)
    acks = [m for m in messages if m["type"] == "ack"]
    assert [(a["id"], a["version"]) for a in acks] == [(n, n + 2) for n in range(50)]
    changes = [m for m in messages if m["type"] == "state_patch"]
    assert [c["patch"]["n"] for c in changes] == list(range(50))
