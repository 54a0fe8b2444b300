"""WS /sync/{key}/ws: who is let in, decided before anything is sent. A refusal is readable by
browsers: the socket is accepted and closed at once with 4000 + the HTTP status."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from tests.helpers import register
from tests.sync.conftest import (
    Served,
    admin_token,
    new_guest,
    new_session,
    open_socket,
    receive,
    refusal,
)

LOBBYD = Subprotocol("lobbyd")


def bearer_protocol(token: str) -> Subprotocol:
    """The subprotocol that carries a token."""
    return Subprotocol(f"bearer.{token}")


async def test_no_token_is_closed_with_4401(client: httpx.AsyncClient, served: Served) -> None:
    session = await new_session(client)
    assert await refusal(served.socket_url(session.key)) == (4401, "unauthorized")


@pytest.mark.parametrize(
    "headers", [{"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}]
)
async def test_a_bad_token_is_closed_with_4401(
    client: httpx.AsyncClient, served: Served, headers: dict[str, str]
) -> None:
    session = await new_session(client)
    closed = await refusal(served.socket_url(session.key), additional_headers=headers)
    assert closed == (4401, "unauthorized")


async def test_a_bad_token_parameter_is_closed_with_4401(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    assert (await refusal(served.socket_url(session.key, token="forged")))[0] == 4401


async def test_a_bad_token_subprotocol_is_closed_with_4401_and_lobbyd_is_still_answered(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    offered = [LOBBYD, bearer_protocol("forged")]
    async with connect(served.socket_url(session.key), subprotocols=offered) as socket:
        # A browser fails a handshake whose answer names none of its subprotocols.
        assert socket.subprotocol == "lobbyd"
    assert await refusal(served.socket_url(session.key), subprotocols=offered) == (
        4401,
        "unauthorized",
    )


async def test_outsider_and_unknown_key_are_closed_with_the_same_4404(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    outsider = await register(client)
    known = await refusal(served.socket_url(session.key, token=outsider.token))
    unknown = await refusal(served.socket_url("no-such-key", token=outsider.token))
    assert known == unknown == (4404, "no_document")


@pytest.mark.parametrize("since", ["-1", "abc", "1.5"])
async def test_a_since_that_is_not_a_version_is_closed_with_4422(
    client: httpx.AsyncClient, served: Served, since: str
) -> None:
    session = await new_session(client)
    url = served.socket_url(session.key, token=session.host.token, since=since)
    assert await refusal(url) == (4422, "validation_error")


async def test_host_connects_with_a_header_and_gets_a_snapshot(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    await client.put(f"/sync/{session.key}", json={"map": "dust"}, headers=session.host.auth)
    async with await open_socket(served, session.key, session.host.token) as socket:
        snapshot = await receive(socket)
    assert snapshot == {
        "type": "snapshot",
        "version": 2,
        "state": {"map": "dust"},
        "members": {session.host.uuid: {}},
        "ended": False,
    }


async def test_guest_connects_with_a_token_parameter(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    url = served.socket_url(session.key, token=guest.token)
    async with connect(url, open_timeout=5) as socket:
        snapshot = await receive(socket)
    assert set(snapshot["members"]) == {session.host.uuid, guest.uuid}


async def test_a_browser_sends_the_token_as_a_subprotocol_and_gets_lobbyd_back(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    offered = [LOBBYD, bearer_protocol(guest.token)]
    async with connect(served.socket_url(session.key), subprotocols=offered) as socket:
        assert socket.subprotocol == "lobbyd"  # never the token
        snapshot = await receive(socket)
    assert set(snapshot["members"]) == {session.host.uuid, guest.uuid}


async def test_admin_watches_any_session(
    client: httpx.AsyncClient, served: Served, app: FastAPI
) -> None:
    session = await new_session(client)
    async with await open_socket(served, session.key, admin_token(app)) as socket:
        assert (await receive(socket))["type"] == "snapshot"
