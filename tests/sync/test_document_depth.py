"""Documents nest at most LOBBYD_JSON_DEPTH (32) levels, so none can become unreadable: deeper
writes are refused over HTTP (422) and over the socket (`error`, the socket stays open), and a
document at the limit in every part reads back everywhere, on both stores."""

from __future__ import annotations

import json
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection

from tests.sync.conftest import (
    Served,
    Session,
    new_guest,
    new_session,
    open_socket,
    receive,
    receive_many,
)

LIMIT = 32


def deep(levels: int) -> dict[str, Any]:
    """An object `levels` deep: {"a": {"a": ... {}}}."""
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def deep_arrays(levels: int) -> dict[str, Any]:
    """An object holding arrays, `levels` deep in all: {"a": [[...[]]]}."""
    inner: list[Any] = []
    for _ in range(levels - 2):
        inner = [inner]
    return {"a": inner}


def _json(session: Session, media: str = "application/json") -> dict[str, str]:
    return {**session.host.auth, "Content-Type": media}


async def test_state_member_and_patch_deeper_than_the_limit_are_422(
    client: httpx.AsyncClient,
) -> None:
    session = await new_session(client)
    key, host = session.key, session.host.uuid
    too_deep = json.dumps(deep(LIMIT + 1))
    answers = [
        await client.put(f"/sync/{key}", content=too_deep, headers=_json(session)),
        await client.put(f"/sync/{key}/members/{host}", content=too_deep, headers=_json(session)),
        await client.patch(
            f"/sync/{key}",
            content=too_deep,
            headers=_json(session, "application/merge-patch+json"),
        ),
    ]
    assert [answer.status_code for answer in answers] == [422, 422, 422]
    document = (await client.get(f"/sync/{key}", headers=session.host.auth)).json()
    assert document["version"] == 1


async def test_a_document_at_the_limit_in_state_and_every_member_reads_back(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    state, member = deep(LIMIT), deep_arrays(LIMIT)
    put = await client.put(f"/sync/{session.key}", json=state, headers=session.host.auth)
    mine = await client.put(
        f"/sync/{session.key}/members/{guest.uuid}", json=member, headers=guest.auth
    )
    assert (put.status_code, mine.status_code) == (200, 200)
    for reader in (session.host, guest):
        response = await client.get(f"/sync/{session.key}", headers=reader.auth)
        assert response.status_code == 200, response.text
        assert response.json()["state"] == state
        assert response.json()["members"][guest.uuid] == member
    async with await open_socket(served, session.key, guest.token) as socket:
        snapshot = await receive(socket)
    assert (snapshot["state"], snapshot["members"][guest.uuid]) == (state, member)


def deep_leaf(levels: int) -> dict[str, Any]:
    """deep(levels) with a field in its innermost object."""
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


async def test_a_patch_at_the_limit_merges_and_the_state_stays_readable(
    client: httpx.AsyncClient,
) -> None:
    session = await new_session(client)
    await client.put(f"/sync/{session.key}", json=deep(LIMIT), headers=session.host.auth)
    response = await client.patch(
        f"/sync/{session.key}",
        content=json.dumps(deep_leaf(LIMIT)),
        headers=_json(session, "application/merge-patch+json"),
    )
    assert response.status_code == 200, response.text
    document = (await client.get(f"/sync/{session.key}", headers=session.host.auth)).json()
    assert document["state"] == deep_leaf(LIMIT)


async def test_integers_beyond_a_double_are_422(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    response = await client.put(
        f"/sync/{session.key}", content='{"n": 9007199254740993}', headers=_json(session)
    )
    assert response.status_code == 422
    assert "2^53" in response.json()["detail"][0]["msg"]


async def _answer(socket: ClientConnection, raw: str) -> dict[str, Any]:
    await socket.send(raw)
    return await receive(socket)


async def test_a_deep_message_is_an_error_and_the_socket_stays_open(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    deep_ping = '{"type": "ping", "id": ' + "[" * 2000 + "]" * 2000 + "}"
    deep_replace = json.dumps({"type": "replace", "id": 1, "state": deep(LIMIT + 1)})
    async with await open_socket(served, session.key, session.host.token) as socket:
        await receive(socket)
        answers = [await _answer(socket, raw) for raw in (deep_ping, deep_replace)]
        still = await _answer(socket, '{"type": "ping", "id": "still-there"}')
    assert [(answer["type"], answer["code"]) for answer in answers] == [
        ("error", "bad_message"),
        ("error", "bad_message"),
    ]
    assert "deeper than 33" in answers[0]["message"]
    assert still == {"type": "pong", "id": "still-there", "version": 1}


async def test_a_document_at_the_limit_may_be_written_over_the_socket(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    message = {"type": "replace", "id": 1, "state": deep(LIMIT)}
    async with await open_socket(served, session.key, session.host.token) as socket:
        await receive(socket)
        await socket.send(json.dumps(message))
        got = {answer["type"]: answer for answer in await receive_many(socket, 2)}
    assert got["ack"]["version"] == 2
    assert got["state_replaced"]["state"] == deep(LIMIT)


async def test_an_integer_beyond_a_double_over_the_socket_is_an_error(
    client: httpx.AsyncClient, served: Served
) -> None:
    session = await new_session(client)
    async with await open_socket(served, session.key, session.host.token) as socket:
        await receive(socket)
        answer = await _answer(socket, '{"type": "patch", "id": 1, "patch": {"n": 1e400}}')
    assert (answer["type"], answer["code"]) == ("error", "bad_message")
