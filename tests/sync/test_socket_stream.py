"""WS /sync/{key}/ws: a snapshot, then every change in version order; reconnection with since."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from lobbyd.kit.clock import ManualClock
from tests.conftest import client_for
from tests.sync.conftest import (
    Served,
    closed_with,
    new_guest,
    new_session,
    open_socket,
    receive,
    receive_many,
    serve,
)

MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


async def test_changes_follow_the_snapshot_in_version_order(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    headers = {**session.host.auth, **MERGE_PATCH}
    async with await open_socket(served, session.key, session.host.token) as socket:
        assert (await receive(socket))["version"] == 1
        for n in range(30):
            await client.patch(f"/sync/{session.key}", content=b'{"n": %d}' % n, headers=headers)
        changes = await receive_many(socket, 30)
    assert [c["version"] for c in changes] == list(range(2, 32))
    assert [c["patch"] for c in changes] == [{"n": n} for n in range(30)]
    assert {c["type"] for c in changes} == {"state_patch"}


async def test_every_kind_of_change_arrives_after_the_call_that_made_it(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    host, key, sid = session.host, session.key, session.session_id
    async with await open_socket(served, key, host.token) as socket:
        await receive(socket)
        await client.put(f"/sync/{key}", json={"round": 1}, headers=host.auth)
        assert await receive(socket) == {
            "type": "state_replaced",
            "version": 2,
            "state": {"round": 1},
        }
        guest = await new_guest(client, session)
        assert await receive(socket) == {
            "type": "member_joined",
            "version": 3,
            "player": guest.uuid,
        }
        await client.put(f"/sync/{key}/members/{guest.uuid}", json={"hp": 9}, headers=guest.auth)
        updated = {
            "type": "member_updated",
            "version": 4,
            "player": guest.uuid,
            "document": {"hp": 9},
        }
        assert await receive(socket) == updated
        await client.delete(f"/sessions/{sid}/players/{guest.uuid}", headers=guest.auth)
        assert await receive(socket) == {"type": "member_left", "version": 5, "player": guest.uuid}
        other = await new_guest(client, session)
        assert (await receive(socket))["type"] == "member_joined"
        await client.delete(f"/sessions/{sid}/players/{other.uuid}", headers=host.auth)
        assert await receive(socket) == {
            "type": "member_kicked",
            "version": 7,
            "player": other.uuid,
        }
        await client.delete(f"/sessions/{sid}", headers=host.auth)
        ended = {"type": "session_ended", "version": 8, "reason": "ended_by_host"}
        assert await receive(socket) == ended
        assert await closed_with(socket) == 1000


async def test_a_ban_reaches_the_socket_as_member_kicked_with_its_reason(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    async with await open_socket(served, session.key, session.host.token) as socket:
        await receive(socket)
        banned = await client.post(
            f"/hosts/{session.host.uuid}/banlist",
            params={"banned": guest.uuid},
            headers=session.host.auth,
        )
        assert banned.status_code == 200
        kicked = await receive(socket)
    assert kicked == {
        "type": "member_kicked",
        "version": 3,
        "player": guest.uuid,
        "reason": "banned",
    }


async def _patched(client: httpx.AsyncClient, key: str, auth: dict[str, str], count: int) -> None:
    for n in range(count):
        headers = {**auth, **MERGE_PATCH}
        response = await client.patch(f"/sync/{key}", content=b'{"n": %d}' % n, headers=headers)
        assert response.status_code == 200


async def test_since_inside_the_kept_log_replays_from_the_next_change_without_snapshot(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    await _patched(client, session.key, session.host.auth, 5)  # versions 2..6
    async with await open_socket(served, session.key, session.host.token, since=3) as socket:
        replayed = await receive_many(socket, 3)
        await _patched(client, session.key, session.host.auth, 1)
        live = await receive(socket)
    assert [m["version"] for m in replayed] == [4, 5, 6]
    assert {m["type"] for m in replayed} == {"state_patch"}
    assert live["version"] == 7


async def test_since_the_current_version_sends_only_what_comes_next(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    await _patched(client, session.key, session.host.auth, 2)
    async with await open_socket(served, session.key, session.host.token, since=3) as socket:
        await _patched(client, session.key, session.host.auth, 1)
        assert (await receive(socket))["version"] == 4


async def test_since_a_version_the_document_never_had_sends_a_snapshot(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    async with await open_socket(served, session.key, session.host.token, since=99) as socket:
        snapshot = await receive(socket)
    assert (snapshot["type"], snapshot["version"]) == ("snapshot", 1)


async def test_since_older_than_the_kept_log_sends_a_fresh_snapshot(
    client: httpx.AsyncClient,
    make_app: Any,
    settings_overrides: dict[str, Any],
    clock: ManualClock,
) -> None:
    app: FastAPI = await make_app(**settings_overrides, sync_log_age=10.0)
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://lobbyd.test"
        ) as http,
        serve(app) as served,
    ):
        session = await new_session(http)
        await _patched(http, session.key, session.host.auth, 3)  # versions 2..4
        clock.advance(11)  # every change is now older than the log keeps
        async with await open_socket(served, session.key, session.host.token, since=2) as socket:
            snapshot = await receive(socket)
            await _patched(http, session.key, session.host.auth, 1)
            following = await receive(socket)
    assert (snapshot["type"], snapshot["version"], snapshot["state"]) == ("snapshot", 4, {"n": 2})
    assert following["version"] == 5


async def test_since_older_than_the_bytes_the_log_keeps_sends_a_fresh_snapshot(
    make_app: Any, settings_overrides: dict[str, Any]
) -> None:
    app: FastAPI = await make_app(**settings_overrides, sync_log_bytes=64 * 1024)
    blob = "x" * 20_000
    async with client_for(app) as http, serve(app) as served:
        session = await new_session(http)
        for n in range(10):  # versions 2..11, about 200 KB of changes: a third is kept
            put = await http.put(
                f"/sync/{session.key}", json={"n": n, "blob": blob}, headers=session.host.auth
            )
            assert put.status_code == 200, put.text
        token = session.host.token
        async with await open_socket(served, session.key, token, since=2) as socket:
            snapshot = await receive(socket)
        async with await open_socket(served, session.key, token, since=10) as socket:
            replayed = await receive(socket)
    assert (snapshot["type"], snapshot["version"], snapshot["state"]["n"]) == ("snapshot", 11, 9)
    assert (replayed["type"], replayed["version"]) == ("state_replaced", 11)


async def test_reconnecting_after_the_session_ended_replays_the_end_then_closes(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    await _patched(client, session.key, session.host.auth, 1)  # version 2
    await client.delete(f"/sessions/{session.session_id}", headers=session.host.auth)
    async with await open_socket(served, session.key, session.host.token, since=2) as socket:
        assert (await receive(socket))["type"] == "session_ended"
        assert await closed_with(socket) == 1000
    async with await open_socket(served, session.key, session.host.token, since=3) as socket:
        assert await closed_with(socket) == 1000  # nothing left to send
    async with await open_socket(served, session.key, session.host.token) as socket:
        snapshot = await receive(socket)
        assert (snapshot["ended"], snapshot["version"]) == (True, 3)
        assert await closed_with(socket) == 1000


async def test_every_subscriber_sees_the_same_order(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    host_socket = await open_socket(served, session.key, session.host.token)
    guest_socket = await open_socket(served, session.key, guest.token)
    async with host_socket, guest_socket:
        await receive(host_socket)
        await receive(guest_socket)
        for n in range(10):
            await client.put(
                f"/sync/{session.key}/members/{guest.uuid}", json={"n": n}, headers=guest.auth
            )
            await _patched(client, session.key, session.host.auth, 1)
        seen_by_host = await receive_many(host_socket, 20)
        seen_by_guest = await receive_many(guest_socket, 20)
    assert seen_by_host == seen_by_guest
    assert [m["version"] for m in seen_by_host] == list(range(3, 23))


async def test_a_replay_longer_than_the_subscriber_queue_still_needs_no_snapshot(
    make_app: Any, settings_overrides: dict[str, Any]
) -> None:
    app: FastAPI = await make_app(**settings_overrides, ws_queue_max=10)
    async with client_for(app) as http, serve(app) as served:
        session = await new_session(http)
        await _patched(http, session.key, session.host.auth, 60)  # versions 2..61
        async with await open_socket(served, session.key, session.host.token, since=1) as socket:
            replayed = await receive_many(socket, 60)
    assert [m["version"] for m in replayed] == list(range(2, 62))
