"""GET /sessions/{id}/ice: STUN and TURN servers, TURN credentials in coturn's REST scheme."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from lobbyd.config import Settings
from lobbyd.kit.clock import ManualClock
from tests.conftest import client_for
from tests.helpers import bearer, error, register
from tests.sessions.conftest import join, launch, open_to_all

SECRET = "coturn-static-auth-secret"
ICE = {
    "stun_urls": "stun:stun.example.net:3478, stun:127.0.0.1:3478",
    "turn_urls": "turn:turn.example.net:3478?transport=udp,turns:turn.example.net:5349",
    "turn_secret": SECRET,
    "turn_ttl": 600,
}


@pytest.fixture
async def ice_app(make_app: Callable[..., Any], settings_overrides: dict[str, Any]) -> FastAPI:
    """An app with STUN and TURN configured."""
    started: FastAPI = await make_app(**settings_overrides, **ICE)
    return started


def expected_credential(username: str) -> str:
    digest = hmac.new(SECRET.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


async def test_a_member_gets_stun_and_turn_with_credentials_bound_to_it(
    ice_app: FastAPI, clock: ManualClock
) -> None:
    async with client_for(ice_app) as client:
        host, guest = await register(client), await register(client)
        await open_to_all(client, host)
        session = await launch(client, host)
        assert (await join(client, guest, host.uuid, guest.uuid)).status_code == 200
        for member in (host, guest):
            response = await client.get(
                f"/sessions/{session['session_id']}/ice", headers=member.auth
            )
            assert response.status_code == 200, response.text
            body = response.json()
            expiry = int(clock.now()) + 600
            assert body == {
                "ice_servers": [
                    {"urls": ["stun:stun.example.net:3478", "stun:127.0.0.1:3478"]},
                    {
                        "urls": [
                            "turn:turn.example.net:3478?transport=udp",
                            "turns:turn.example.net:5349",
                        ],
                        "username": f"{expiry}:{member.uuid}",
                        "credential": expected_credential(f"{expiry}:{member.uuid}"),
                    },
                ],
                "expires_at": datetime.fromtimestamp(expiry, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }


async def test_credentials_expire_after_the_ttl_from_the_request(
    ice_app: FastAPI, clock: ManualClock
) -> None:
    async with client_for(ice_app) as client:
        host = await register(client)
        session = await launch(client, host)
        url = f"/sessions/{session['session_id']}/ice"
        first = (await client.get(url, headers=host.auth)).json()["ice_servers"][1]
        clock.advance(30)
        second = (await client.get(url, headers=host.auth)).json()["ice_servers"][1]
        assert int(second["username"].split(":")[0]) == int(first["username"].split(":")[0]) + 30
        assert second["credential"] != first["credential"]


async def test_an_admin_gets_credentials_under_its_own_name(ice_app: FastAPI) -> None:
    async with client_for(ice_app) as client:
        host = await register(client)
        session = await launch(client, host)
        admin = ice_app.state.runtime.tokens.issue("admin", frozenset({"session:*"}))
        response = await client.get(f"/sessions/{session['session_id']}/ice", headers=bearer(admin))
        assert response.status_code == 200, response.text
        assert response.json()["ice_servers"][1]["username"].endswith(":admin")


async def test_non_members_get_404_even_for_an_open_session(ice_app: FastAPI) -> None:
    async with client_for(ice_app) as client:
        host, stranger, other = (
            await register(client),
            await register(client),
            await register(client),
        )
        session = await launch(client, host)
        await launch(client, other)  # a member of another session is a stranger here too
        assert (
            await client.get(f"/sessions/{session['session_id']}", headers=stranger.auth)
        ).status_code == 200
        for caller in (stranger, other):
            response = await client.get(
                f"/sessions/{session['session_id']}/ice", headers=caller.auth
            )
            error(response, 404, "no_session")
        error(await client.get("/sessions/999999/ice", headers=host.auth), 404, "no_session")


async def test_after_leaving_or_the_end_it_is_404(ice_app: FastAPI) -> None:
    async with client_for(ice_app) as client:
        host, guest = await register(client), await register(client)
        await open_to_all(client, host)
        session = await launch(client, host)
        url = f"/sessions/{session['session_id']}/ice"
        assert (await join(client, guest, host.uuid, guest.uuid)).status_code == 200
        leave = await client.delete(
            f"/sessions/{session['session_id']}/players/{guest.uuid}", headers=guest.auth
        )
        assert leave.status_code == 204
        error(await client.get(url, headers=guest.auth), 404, "no_session")
        assert (
            await client.delete(f"/sessions/{session['session_id']}", headers=host.auth)
        ).status_code == 204
        error(await client.get(url, headers=host.auth), 404, "no_session")


async def test_a_silent_host_session_is_404(ice_app: FastAPI, clock: ManualClock) -> None:
    async with client_for(ice_app) as client:
        host = await register(client)
        session = await launch(client, host)
        clock.advance(61)
        error(await client.get(f"/sessions/{session['session_id']}/ice", headers=host.auth), 404)


async def test_nothing_configured_is_an_empty_list(client: httpx.AsyncClient) -> None:
    host = await register(client)
    session = await launch(client, host)
    response = await client.get(f"/sessions/{session['session_id']}/ice", headers=host.auth)
    assert response.status_code == 200
    assert response.json()["ice_servers"] == []


async def test_stun_only_has_no_credentials(
    make_app: Callable[..., Any], settings_overrides: dict[str, Any]
) -> None:
    app = await make_app(**settings_overrides, stun_urls="stun:stun.example.net")
    async with client_for(app) as client:
        host = await register(client)
        session = await launch(client, host)
        response = await client.get(f"/sessions/{session['session_id']}/ice", headers=host.auth)
        assert response.json()["ice_servers"] == [{"urls": ["stun:stun.example.net"]}]


async def test_without_a_token_it_is_401(ice_app: FastAPI) -> None:
    async with client_for(ice_app) as client:
        error(await client.get("/sessions/1/ice"), 401)


@pytest.mark.parametrize(
    "values",
    [
        {"turn_urls": "turn:turn.example.net"},  # no secret
        {"turn_urls": "turn:x", "turn_secret": ""},
        {"turn_urls": "stun:x", "turn_secret": SECRET},
        {"stun_urls": "turn:x"},
        {"stun_urls": "http://x"},
        {"turn_ttl": 10},
    ],
)
def test_bad_ice_settings_are_refused_at_start(values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(**values)
    assert SECRET not in str(refused.value)
