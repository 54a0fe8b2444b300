"""Signals between members: over the sync socket and POST /sync/{key}/signals.

Ephemeral (no version, not replayed on `since=`), at most once, in order per sender and
addressee, only to members; oversized and too fast signals are refused on the socket, which
stays open. Real uvicorn, both stores, both databases.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from lobbyd.errors import NotFound
from lobbyd.kit.clock import ManualClock
from tests.helpers import error, register
from tests.sync.conftest import (
    Served,
    admin_token,
    new_guest,
    new_session,
    open_socket,
    receive,
    receive_many,
)


async def send(socket: ClientConnection, message: dict[str, Any]) -> None:
    await socket.send(json.dumps(message))


async def nothing_but_pong(socket: ClientConnection) -> None:
    """A ping's pong is the next message: nothing else was queued for this socket."""
    await send(socket, {"type": "ping", "id": "last"})
    answer = await receive(socket)
    assert (answer["type"], answer["id"]) == ("pong", "last"), answer


async def test_a_signal_reaches_the_addressee_in_order_and_not_the_sender(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    async with (
        await open_socket(served, session.key, session.host.token) as host,
        await open_socket(served, session.key, guest.token) as other,
    ):
        await receive(host)
        await receive(other)
        for n in range(30):
            await send(host, {"type": "signal", "to": guest.uuid, "data": {"n": n}})
        got = await receive_many(other, 30)
        assert got == [
            {"type": "signal", "from": session.host.uuid, "data": {"n": n}} for n in range(30)
        ]
        await nothing_but_pong(host)
        await nothing_but_pong(other)


async def test_the_answer_goes_back_and_an_id_gets_an_ack(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    async with (
        await open_socket(served, session.key, session.host.token) as host,
        await open_socket(served, session.key, guest.token) as other,
    ):
        await receive(host)
        await receive(other)
        offer = {"sdp": "v=0\r\n" + "a=x\r\n" * 50, "kind": "offer"}
        await send(host, {"type": "signal", "id": 7, "to": guest.uuid, "data": offer})
        assert await receive(host) == {"type": "ack", "id": 7, "version": 2}
        assert await receive(other) == {"type": "signal", "from": session.host.uuid, "data": offer}
        await send(other, {"type": "signal", "to": session.host.uuid, "data": {"kind": "answer"}})
        reply = await receive(host)
        assert reply == {"type": "signal", "from": guest.uuid, "data": {"kind": "answer"}}


async def test_every_open_socket_of_the_addressee_gets_it_once(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    async with (
        await open_socket(served, session.key, session.host.token) as host,
        await open_socket(served, session.key, guest.token) as first,
        await open_socket(served, session.key, guest.token) as second,
    ):
        for socket in (host, first, second):
            await receive(socket)
        await send(host, {"type": "signal", "to": guest.uuid, "data": {"x": 1}})
        for socket in (first, second):
            assert (await receive(socket))["data"] == {"x": 1}
            await nothing_but_pong(socket)


async def test_a_non_member_addressee_is_an_error_and_the_socket_stays_open(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    stranger = await register(client)
    async with await open_socket(served, session.key, session.host.token) as host:
        await receive(host)
        for to in (stranger.uuid, "nobody"):
            await send(host, {"type": "signal", "id": "s", "to": to, "data": {}})
            answer = await receive(host)
            assert answer["type"] == "error"
            assert answer["code"] == "not_member"
            assert answer["id"] == "s"
        await nothing_but_pong(host)


async def test_oversized_data_is_an_error_and_the_socket_stays_open(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    async with (
        await open_socket(served, session.key, session.host.token) as host,
        await open_socket(served, session.key, guest.token) as other,
    ):
        await receive(host)
        await receive(other)
        # {"b":"..."}: 8 bytes around the string.
        at_limit = {"b": "x" * (16 * 1024 - 8)}
        await send(
            host,
            {"type": "signal", "to": guest.uuid, "data": {**at_limit, "b": "x" * (16 * 1024 - 7)}},
        )
        assert (await receive(host))["code"] == "too_large"
        await send(host, {"type": "signal", "to": guest.uuid, "data": at_limit})
        assert (await receive(other))["data"] == at_limit
        await send(host, {"type": "signal", "to": guest.uuid, "data": "not an object"})
        assert (await receive(host))["code"] == "bad_message"
        await nothing_but_pong(host)
        await nothing_but_pong(other)


async def test_past_the_rate_signals_are_refused_until_time_passes(
    client: httpx.AsyncClient, served: Served, clock: ManualClock
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    async with (
        await open_socket(served, session.key, session.host.token) as host,
        await open_socket(served, session.key, guest.token) as other,
    ):
        await receive(host)
        await receive(other)
        for n in range(60):  # the clock stands still: a burst of 60 against 50 a second
            await send(host, {"type": "signal", "to": guest.uuid, "data": {"n": n}})
        refusals = await receive_many(host, 10)
        assert {(m["type"], m["code"]) for m in refusals} == {("error", "rate_limited")}
        delivered = await receive_many(other, 50)
        assert [m["data"]["n"] for m in delivered] == list(range(50))
        await nothing_but_pong(other)
        clock.advance(0.11)  # five more tokens (and a half)
        for n in range(6):
            await send(host, {"type": "signal", "to": guest.uuid, "data": {"again": n}})
        assert (await receive(host))["code"] == "rate_limited"
        assert [m["data"]["again"] for m in await receive_many(other, 5)] == list(range(5))
        await nothing_but_pong(host)


async def test_signals_are_not_versioned_nor_replayed_on_reconnect(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    async with await open_socket(served, session.key, guest.token) as other:
        snapshot = await receive(other)
    version = snapshot["version"]
    async with await open_socket(served, session.key, session.host.token) as host:
        await receive(host)
        await send(host, {"type": "signal", "to": guest.uuid, "data": {"missed": True}})
        await nothing_but_pong(host)  # handled: nobody was listening, so it is gone
    document = (await client.get(f"/sync/{session.key}", headers=guest.auth)).json()
    assert document["version"] == version
    async with await open_socket(served, session.key, guest.token, since=version) as other:
        await send(other, {"type": "ping", "id": "p"})
        assert await receive(other) == {"type": "pong", "id": "p", "version": version}


async def test_http_signals_reach_the_socket(client: httpx.AsyncClient, served: Served) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    url = f"/sync/{session.key}/signals"
    async with await open_socket(served, session.key, guest.token) as other:
        await receive(other)
        for n in range(3):
            body = {"to": guest.uuid.upper(), "data": {"n": n}}
            response = await client.post(url, json=body, headers=session.host.auth)
            assert response.status_code == 202, response.text
            assert response.content == b""
        got = await receive_many(other, 3)
        assert [m["data"]["n"] for m in got] == [0, 1, 2]
        assert {m["from"] for m in got} == {session.host.uuid}
        admin = {"Authorization": f"Bearer {admin_token(served.app)}"}
        response = await client.post(url, json={"to": guest.uuid, "data": {}}, headers=admin)
        assert response.status_code == 202
        assert (await receive(other))["from"] == "admin"


async def test_http_signal_failures(client: httpx.AsyncClient, clock: ManualClock) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    stranger = await register(client)
    url = f"/sync/{session.key}/signals"
    ok = {"to": guest.uuid, "data": {}}
    error(await client.post(url, json=ok, headers=stranger.auth), 404, "no_document")
    error(await client.post(url, json=ok), 401)
    bad = {"to": stranger.uuid, "data": {}}
    error(await client.post(url, json=bad, headers=session.host.auth), 409, "not_member")
    big = {"to": guest.uuid, "data": {"b": "x" * (16 * 1024)}}
    error(await client.post(url, json=big, headers=session.host.auth), 413, "too_large")
    for body in ({"to": guest.uuid}, {"to": guest.uuid, "data": [1]}, {**ok, "extra": 1}):
        response = await client.post(url, json=body, headers=session.host.auth)
        assert response.status_code == 422, response.text
    for _ in range(48):  # 2 spent above on this document
        assert (await client.post(url, json=ok, headers=guest.auth)).status_code == 202
    limited = await client.post(url, json=ok, headers=guest.auth)
    assert limited.status_code == 202 or limited.status_code == 429
    for _ in range(5):
        limited = await client.post(url, json=ok, headers=guest.auth)
    error(limited, 429, "rate_limited")
    assert limited.headers["Retry-After"] == "1"
    clock.advance(1)
    assert (await client.post(url, json=ok, headers=guest.auth)).status_code == 202


@pytest.mark.parametrize("signal_rate", [0])
async def test_rate_zero_turns_the_limit_off(
    make_app: Any, settings_overrides: dict[str, Any], signal_rate: int
) -> None:
    from tests.conftest import client_for

    app = await make_app(**settings_overrides, signal_rate=signal_rate)
    async with client_for(app) as client:
        session = await new_session(client)
        guest = await new_guest(client, session)
        url = f"/sync/{session.key}/signals"
        for _ in range(120):
            response = await client.post(
                url, json={"to": guest.uuid, "data": {}}, headers=guest.auth
            )
            assert response.status_code == 202
    await asyncio.sleep(0)


async def test_an_admin_socket_signals_as_admin_and_a_former_member_cannot(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    async with (
        await open_socket(served, session.key, admin_token(served.app)) as admin,
        await open_socket(served, session.key, session.host.token) as host,
    ):
        await receive(admin)
        await receive(host)
        await send(admin, {"type": "signal", "id": "a", "to": session.host.uuid, "data": {}})
        assert (await receive(admin))["type"] == "ack"
        assert await receive(host) == {"type": "signal", "from": "admin", "data": {}}
    leave = await client.delete(
        f"/sessions/{session.session_id}/players/{guest.uuid}", headers=guest.auth
    )
    assert leave.status_code == 204
    signals = served.app.state.signals
    with pytest.raises(NotFound) as refused:  # the guest's socket, between leaving and closing
        await signals.send(guest.uuid, session.key, session.host.uuid, {})
    assert refused.value.code == "no_document"
