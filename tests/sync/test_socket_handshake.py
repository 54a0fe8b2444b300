"""WS /sync/{key}/ws: who is let in, decided before the handshake is accepted."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

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


async def test_no_token_is_refused_with_401(client: httpx.AsyncClient, served: Served) -> None:
    session = await new_session(client)
    status, body = await refusal(served.socket_url(session.key))
    assert status == 401
    assert body["code"] == "unauthorized"
    assert set(body) == {"message", "code"}


@pytest.mark.parametrize(
    "headers", [{"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}]
)
async def test_a_bad_token_is_refused_with_401(
    client: httpx.AsyncClient, served: Served, headers: dict[str, str]
) -> None:
    session = await new_session(client)
    status, body = await refusal(served.socket_url(session.key), additional_headers=headers)
    assert (status, body["code"]) == (401, "unauthorized")


async def test_a_bad_token_parameter_is_refused_with_401(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    status, _ = await refusal(served.socket_url(session.key, token="forged"))
    assert status == 401


async def test_outsider_and_unknown_key_are_refused_with_the_same_404(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    outsider = await register(client)
    known = await refusal(served.socket_url(session.key, token=outsider.token))
    unknown = await refusal(served.socket_url("no-such-key", token=outsider.token))
    assert known == unknown
    assert known[0] == 404
    assert known[1]["code"] == "no_document"


@pytest.mark.parametrize("since", ["-1", "abc", "1.5"])
async def test_a_since_that_is_not_a_version_is_422(
    client: httpx.AsyncClient, served: Served, since: str
) -> None:
    session = await new_session(client)
    status, body = await refusal(
        served.socket_url(session.key, token=session.host.token, since=since)
    )
    assert status == 422
    assert body["detail"][0]["loc"] == ["query", "since"]


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
    from websockets.asyncio.client import connect

    session = await new_session(client)
    guest = await new_guest(client, session)
    url = served.socket_url(session.key, token=guest.token)
    async with connect(url, open_timeout=5) as socket:
        snapshot = await receive(socket)
    assert set(snapshot["members"]) == {session.host.uuid, guest.uuid}


async def test_admin_watches_any_session(
    client: httpx.AsyncClient, served: Served, app: FastAPI
) -> None:
    session = await new_session(client)
    async with await open_socket(served, session.key, admin_token(app)) as socket:
        assert (await receive(socket))["type"] == "snapshot"
