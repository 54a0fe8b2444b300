"""GET /sessions permissions: MPSD's rule for `reservations` and `private`, and input checks."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.directory.conftest import found_ids, hosted, query, reserve, token
from tests.helpers import error, register


@pytest.mark.parametrize("flag", ["reservations", "private"])
async def test_a_flag_about_another_player_is_403_even_when_nothing_matches(
    client: httpx.AsyncClient, flag: str
) -> None:
    caller = await register(client)
    response = await client.get(
        "/sessions", params={"player": "nobody", flag: "true"}, headers=caller.auth
    )
    error(response, 403)


@pytest.mark.parametrize("flag", ["reservations", "private"])
async def test_a_flag_about_another_existing_player_is_403(
    client: httpx.AsyncClient, flag: str
) -> None:
    session = await hosted(client, visibility="private")
    caller = await register(client)
    response = await client.get(
        "/sessions", params={"player": session.uuid, flag: "true"}, headers=caller.auth
    )
    error(response, 403)


@pytest.mark.parametrize("flag", ["reservations", "private"])
async def test_a_flag_about_yourself_is_allowed(client: httpx.AsyncClient, flag: str) -> None:
    caller = await register(client)
    await query(client, caller.auth, player=caller.uuid.upper(), **{flag: "true"})


@pytest.mark.parametrize("flag", ["reservations", "private"])
async def test_a_flag_without_a_player_is_about_the_caller(
    client: httpx.AsyncClient, flag: str
) -> None:
    caller = await register(client)
    await query(client, caller.auth, keyword="k", **{flag: "true"})
    await query(client, caller.auth, **{flag: "true"})


async def test_an_admin_may_ask_about_anyone(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    session = await hosted(client, visibility="private")
    other = await hosted(client)
    await reserve(client, other.auth, other.session_id, session.uuid)
    assert await found_ids(
        client, admin, player=session.uuid, private="true", reservations="true"
    ) == [session.session_id, other.session_id]


async def test_read_player_any_is_not_enough_for_anothers_private_sessions(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    service = token(app, "admin", "session:read-player:any")
    response = await client.get(
        "/sessions", params={"player": "someone", "private": "true"}, headers=service
    )
    error(response, 403)


async def test_inactive_about_another_player_is_allowed(client: httpx.AsyncClient) -> None:
    caller = await register(client)
    await query(client, caller.auth, player="someone", inactive="true")


async def test_a_service_token_is_tied_to_no_session(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await hosted(client)
    service = token(app, "admin", "session:read:platform")
    assert await query(client, service) == {"results": [], "next_cursor": None}


async def test_querying_needs_a_token(client: httpx.AsyncClient) -> None:
    error(await client.get("/sessions", params={"keyword": "k"}), 401)


@pytest.mark.parametrize(
    "params",
    [
        {"take": "0"},
        {"take": "101"},
        {"take": "ten"},
        {"visibility": "private"},
        {"visibility": "Open"},
        {"keyword": "x" * 65},
        {"keyword": ""},
        {"type": "no spaces"},
        {"player": "x" * 129},
        {"reservations": "maybe"},
        {"cursor": "x" * 65},
        {"xuid": "123"},
    ],
    ids=lambda params: "&".join(f"{k}={v[:8]}" for k, v in params.items()),
)
async def test_bad_filters_are_422(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    caller = await register(client)
    response = await client.get("/sessions", params=params, headers=caller.auth)
    assert response.status_code == 422, response.text


async def test_false_flags_mean_unset(client: httpx.AsyncClient) -> None:
    session = await hosted(client, visibility="private")
    caller = await register(client)
    params = {"player": session.uuid, "private": "false", "reservations": "false"}
    assert await found_ids(client, caller.auth, **params) == []


async def test_the_permission_is_checked_before_the_cursor(client: httpx.AsyncClient) -> None:
    caller = await register(client)
    params = {"player": "someone", "private": "true", "cursor": "garbage"}
    error(await client.get("/sessions", params=params, headers=caller.auth), 403)
