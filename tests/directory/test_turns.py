"""Turns: the host sets `turn` with PATCH /sessions/{id}; queries report `my_turn`."""

from __future__ import annotations

import httpx

from tests.directory.conftest import Hosted, hosted, joined, query
from tests.helpers import HostAccount, register


async def _set_turn(client: httpx.AsyncClient, session: Hosted, turn: list[str]) -> None:
    response = await client.patch(
        f"/sessions/{session.session_id}", json={"turn": turn}, headers=session.auth
    )
    assert response.status_code == 200, response.text


async def _my_turn(client: httpx.AsyncClient, caller: HostAccount, player: str) -> bool:
    result = (await query(client, caller.auth, player=player))["results"][0]
    my_turn: bool = result["my_turn"]
    return my_turn


async def test_my_turn_is_true_for_a_player_whose_turn_it_is(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    guest = await register(client)
    await joined(client, session, guest)
    await _set_turn(client, session, [guest.uuid])
    assert await _my_turn(client, guest, guest.uuid) is True


async def test_my_turn_is_false_for_the_others(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    guest = await register(client)
    await joined(client, session, guest)
    await _set_turn(client, session, [guest.uuid])
    assert await _my_turn(client, guest, session.uuid) is False


async def test_several_players_may_have_the_turn(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    await joined(client, session, "p2")
    await _set_turn(client, session, [session.uuid, "p2"])
    assert await _my_turn(client, session.host, session.uuid) is True
    assert await _my_turn(client, session.host, "p2") is True


async def test_clearing_the_turn_clears_my_turn(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    await _set_turn(client, session, [session.uuid])
    await _set_turn(client, session, [])
    assert await _my_turn(client, session.host, session.uuid) is False


async def test_my_turn_is_absent_without_a_player_filter(client: httpx.AsyncClient) -> None:
    session = await hosted(client, keywords=["k"])
    await _set_turn(client, session, [session.uuid])
    result = (await query(client, session.auth, keyword="k"))["results"][0]
    assert "my_turn" not in result
