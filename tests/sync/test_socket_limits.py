"""The socket's limits and endings: slow consumers, removed members, liveness of open sockets."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket as sockets
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from lobbyd.kit.clock import ManualClock
from tests.conftest import client_for
from tests.helpers import error
from tests.sync.conftest import (
    Served,
    Session,
    closed_with,
    new_guest,
    new_session,
    open_socket,
    receive,
    refusal,
    serve,
)

QUEUE_MAX = 10
WRITES = 400
# Incompressible, so per-message deflate cannot shrink what the buffers must hold.
BLOB = base64.b64encode(os.urandom(22_000)).decode()


def _tiny_receive_buffer(port: int) -> sockets.socket:
    """A connected TCP socket whose kernel receive buffer is as small as the kernel allows,
    so a client that stops reading pushes back on the server at once."""
    raw = sockets.socket()
    raw.setsockopt(sockets.SOL_SOCKET, sockets.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", port))
    raw.setblocking(False)
    return raw


async def test_a_subscriber_that_cannot_keep_up_is_closed_with_4008_after_an_unbroken_prefix(
    make_app: Any, settings_overrides: dict[str, Any]
) -> None:
    app: FastAPI = await make_app(**settings_overrides, ws_queue_max=QUEUE_MAX)
    async with client_for(app) as http, serve(app) as served:
        session = await new_session(http)
        port = int(served.ws_url.rsplit(":", 1)[1])
        url = served.socket_url(session.key, token=session.host.token)
        # max_queue=1: the client stops reading its TCP socket after one unread message.
        slow = await connect(
            url, sock=_tiny_receive_buffer(port), max_queue=1, max_size=None, compression=None
        )
        store = app.state.store
        for n in range(WRITES):
            await store.put_state(session.key, {"n": n, "blob": BLOB})
            await asyncio.sleep(0)  # the memory store never yields: let the socket send
        received: list[dict[str, Any]] = []
        try:
            async with asyncio.timeout(30):
                while True:
                    received.append(json.loads(await slow.recv()))
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
    assert code == 4008
    assert received[0]["type"] == "snapshot"
    versions = [message["version"] for message in received]
    assert versions == list(range(1, len(received) + 1)), "a gap or a repeat before the close"
    # Far from everything was held for it: the server dropped the subscriber instead.
    assert len(received) < WRITES / 2, len(received)


async def test_a_kicked_guest_gets_the_change_then_close_4003_and_others_stay(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    guest_socket = await open_socket(served, session.key, guest.token)
    host_socket = await open_socket(served, session.key, session.host.token)
    async with guest_socket, host_socket:
        await receive(guest_socket)
        await receive(host_socket)
        kicked = await client.delete(
            f"/sessions/{session.session_id}/players/{guest.uuid}", headers=session.host.auth
        )
        assert kicked.status_code == 204
        last = await receive(guest_socket)
        assert (last["type"], last["player"]) == ("member_kicked", guest.uuid)
        assert await closed_with(guest_socket) == 4003
        assert (await receive(host_socket))["type"] == "member_kicked"
        await client.put(f"/sync/{session.key}", json={"on": True}, headers=session.host.auth)
        assert (await receive(host_socket))["type"] == "state_replaced"


async def test_a_guest_who_leaves_or_is_banned_gets_close_4003(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    leaving = await new_guest(client, session)
    banned = await new_guest(client, session)
    leaving_socket = await open_socket(served, session.key, leaving.token)
    banned_socket = await open_socket(served, session.key, banned.token)
    async with leaving_socket, banned_socket:
        await receive(leaving_socket)
        await receive(banned_socket)
        await client.delete(
            f"/sessions/{session.session_id}/players/{leaving.uuid}", headers=leaving.auth
        )
        assert await closed_with(leaving_socket) == 4003
        await client.post(
            f"/hosts/{session.host.uuid}/banlist",
            params={"banned": banned.uuid},
            headers=session.host.auth,
        )
        assert await closed_with(banned_socket) == 4003
    status = await client.get(f"/sync/{session.key}", headers=banned.auth)
    error(status, 404, "no_document")


async def test_server_shutdown_closes_sockets_with_1012(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    session = await new_session(client)
    async with serve(app) as served:
        socket = await open_socket(served, session.key, session.host.token)
        await receive(socket)
        closing = asyncio.ensure_future(closed_with(socket))
    assert await closing == 1012


async def test_an_open_socket_keeps_the_hosts_session_alive_past_the_timeout(
    client: httpx.AsyncClient, served: Served, app: FastAPI, clock: ManualClock
) -> None:
    session = await new_session(client)
    timeout = app.state.settings.session_timeout
    liveness = app.state.sync.liveness
    assert liveness.interval == timeout / 3
    async with await open_socket(served, session.key, session.host.token) as socket:
        await receive(socket)
        for _ in range(4):  # four thirds of a timeout pass, with the socket open throughout
            clock.advance(timeout / 3)
            await liveness.touch_all()
        view = await client.get(f"/sessions/{session.session_id}", headers=session.host.auth)
        assert view.status_code == 200, view.text
    await _until_closed(liveness)
    clock.advance(timeout + 1)  # no socket and no heartbeat for a whole timeout: it ends
    gone = await client.get(f"/sessions/{session.session_id}", headers=session.host.auth)
    assert gone.status_code == 404


async def test_an_open_socket_keeps_a_guest_active(
    client: httpx.AsyncClient, served: Served, app: FastAPI, clock: ManualClock
) -> None:
    session = await new_session(client)
    watched = await new_guest(client, session)
    silent = await new_guest(client, session)
    timeout = app.state.settings.session_timeout
    liveness = app.state.sync.liveness
    async with await open_socket(served, session.key, watched.token) as socket:
        await receive(socket)
        await _pass(client, session, clock, timeout / 2)
        await liveness.touch_all()
        await _pass(client, session, clock, timeout / 2 + 1)
        view = (
            await client.get(f"/sessions/{session.session_id}", headers=session.host.auth)
        ).json()
    statuses = {m["player"]: m["status"] for m in view["members"]}
    assert statuses[watched.uuid] == "active"
    assert statuses[silent.uuid] == "inactive"


async def test_connecting_is_itself_a_sign_of_life(
    client: httpx.AsyncClient, served: Served, app: FastAPI, clock: ManualClock
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    timeout = app.state.settings.session_timeout
    await _pass(client, session, clock, timeout / 2)
    await _pass(client, session, clock, timeout / 2 + 1)  # the guest is inactive now
    async with await open_socket(served, session.key, guest.token) as socket:
        await receive(socket)
        await _until_touched(client, session.session_id, session.host.auth, guest.uuid)


async def _pass(
    client: httpx.AsyncClient, session: Session, clock: ManualClock, seconds: float
) -> None:
    """Time passes; the host alone shows life (a heartbeat) at its end."""
    clock.advance(seconds)
    beat = await client.post(f"/sessions/{session.session_id}/heartbeat", headers=session.host.auth)
    assert beat.status_code == 200, beat.text


async def _until_touched(
    client: httpx.AsyncClient, session_id: int, auth: dict[str, str], player: str
) -> None:
    async with asyncio.timeout(5):
        while True:
            view = (await client.get(f"/sessions/{session_id}", headers=auth)).json()
            if {m["player"]: m["status"] for m in view["members"]}[player] == "active":
                return
            await asyncio.sleep(0.02)


async def _until_closed(liveness: Any) -> None:
    for _ in range(500):
        if not liveness.open:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the socket's member is still counted as open")


async def test_admins_sockets_are_not_signs_of_life(
    client: httpx.AsyncClient, served: Served, app: FastAPI
) -> None:
    from tests.sync.conftest import admin_token

    session = await new_session(client)
    async with await open_socket(served, session.key, admin_token(app)) as socket:
        await receive(socket)
        assert app.state.sync.liveness.open == 0
        async with await open_socket(served, session.key, session.host.token) as host_socket:
            await receive(host_socket)
            assert app.state.sync.liveness.open == 1


async def test_a_player_holds_at_most_ws_per_player_sockets_on_a_session_beyond_it_4429(
    make_app: Any, settings_overrides: dict[str, Any]
) -> None:
    app: FastAPI = await make_app(**settings_overrides, ws_per_player=2)
    async with client_for(app) as http, serve(app) as served:
        session = await new_session(http)
        guest = await new_guest(http, session)
        first = await open_socket(served, session.key, session.host.token)
        second = await open_socket(served, session.key, session.host.token)
        async with first, second:
            await receive(first)
            await receive(second)
            url = served.socket_url(session.key, token=session.host.token)
            assert await refusal(url) == (4429, "too_many_sockets")
            async with await open_socket(served, session.key, guest.token) as other:
                assert (await receive(other))["type"] == "snapshot"  # another player's own
            await first.close()
            await _until_claims(app, 1)
            async with await open_socket(served, session.key, session.host.token) as again:
                assert (await receive(again))["type"] == "snapshot"


async def test_the_socket_limit_counts_the_sockets_of_every_replica(
    make_app: Any, settings_overrides: dict[str, Any]
) -> None:
    if "redis_url" not in settings_overrides:
        pytest.skip("the in-process store serves one process")
    one: FastAPI = await make_app(**settings_overrides, ws_per_player=2)
    two: FastAPI = await make_app(**settings_overrides, ws_per_player=2)
    async with client_for(one) as http, serve(one) as a, serve(two) as b:
        session = await new_session(http)
        on_a = await open_socket(a, session.key, session.host.token)
        on_b = await open_socket(b, session.key, session.host.token)
        async with on_a, on_b:
            await receive(on_a)
            await receive(on_b)
            for replica in (a, b):
                url = replica.socket_url(session.key, token=session.host.token)
                assert await refusal(url) == (4429, "too_many_sockets")


async def _until_claims(app: FastAPI, count: int) -> None:
    """Wait until the app holds `count` socket claims (a closed socket's is released)."""
    for _ in range(500):
        if app.state.sync.claims.held == count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"still {app.state.sync.claims.held} socket claims held")
