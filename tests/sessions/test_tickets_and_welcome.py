"""Signed join tickets (verified offline with the JWKS) and the host's welcome check."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jwt
import pytest

from lobbyd.kit.clock import ManualClock
from tests.helpers import error, register
from tests.sessions.conftest import join, launch, open_to_all

AUDIENCE = "lobbyd:join-ticket"


async def _verify(client: httpx.AsyncClient, ticket: str) -> dict[str, Any]:
    """What a game does: fetch the JWKS (no token needed), pick the key by kid, verify."""
    jwks = (await client.get("/.well-known/jwks.json")).json()
    kid = jwt.get_unverified_header(ticket)["kid"]
    key = next(jwt.PyJWK(k) for k in jwks["keys"] if k["kid"] == kid)
    claims: dict[str, Any] = jwt.decode(ticket, key, algorithms=["ES256"], audience=AUDIENCE)
    return claims


async def test_ticket_names_guest_session_and_host_and_verifies_offline(
    client: httpx.AsyncClient,
) -> None:
    host, guest = await register(client), await register(client)
    await open_to_all(client, host)
    session = await launch(client, host)
    ticket = (await join(client, guest, host.uuid, guest.uuid)).json()["ticket"]
    claims = await _verify(client, ticket)
    assert claims["sub"] == guest.uuid
    assert claims["sid"] == session["session_id"]
    assert claims["host"] == host.uuid
    assert 0 < claims["exp"] - claims["iat"] <= 300


async def test_jwks_is_public_and_holds_only_public_key_material(client: httpx.AsyncClient) -> None:
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    [key] = response.json()["keys"]
    assert key["kty"] == "EC"
    assert key["crv"] == "P-256"
    assert key["alg"] == "ES256"
    assert "d" not in key


async def test_tampered_ticket_is_rejected(client: httpx.AsyncClient) -> None:
    host = await register(client)
    await open_to_all(client, host)
    await launch(client, host)
    ticket = (await join(client, host, host.uuid, "noname")).json()["ticket"]
    header, payload, signature = ticket.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["sub"] = "impostor"
    forged = ".".join(
        [header, jwt.utils.base64url_encode(json.dumps(claims).encode()).decode(), signature]
    )
    with pytest.raises(jwt.InvalidSignatureError):
        await _verify(client, forged)


async def test_expired_ticket_is_rejected(client: httpx.AsyncClient, clock: ManualClock) -> None:
    clock.advance(-1000)  # the service's clock lags: the ticket it signs is long expired
    host = await register(client)
    await open_to_all(client, host)
    await launch(client, host)
    ticket = (await join(client, host, host.uuid, "noname")).json()["ticket"]
    with pytest.raises(jwt.ExpiredSignatureError):
        await _verify(client, ticket)


@pytest.mark.parametrize(
    ("setup", "guest", "expected"),
    [
        ("banned", "troll", (False, "banned")),
        ("invite-free", "stranger", (False, "not_a_friend")),
        ("friend", "FRIEND", (True, "friend")),
        ("open", "noname", (False, "noname_refused")),
        ("open-nonames", "noname", (True, "noname_allowed")),
        ("open", "REGISTERED", (True, "open")),
        ("self", "SELF", (False, "guest_is_host")),
    ],
)
async def test_welcome_check_names_the_deciding_rule(
    client: httpx.AsyncClient, setup: str, guest: str, expected: tuple[bool, str]
) -> None:
    host, other = await register(client), await register(client)
    if setup == "banned":
        await client.post(f"/hosts/{host.uuid}/banlist?banned=troll", headers=host.auth)
    if setup == "friend":
        await client.post(f"/hosts/{host.uuid}/friends?friend={other.uuid}", headers=host.auth)
    if setup.startswith("open"):
        await client.put(
            f"/hosts/{host.uuid}/only_friends", json={"only_friends": False}, headers=host.auth
        )
    if setup == "open-nonames":
        await client.put(
            f"/hosts/{host.uuid}/allow_nonames", json={"allow_nonames": True}, headers=host.auth
        )
    name = {"FRIEND": other.uuid, "REGISTERED": other.uuid, "SELF": host.uuid}.get(guest, guest)
    response = await client.get(
        f"/hosts/{host.uuid}/welcome", params={"guest": name}, headers=host.auth
    )
    assert response.status_code == 200
    assert (response.json()["welcome"], response.json()["reason"]) == expected


async def test_welcome_check_is_for_the_owner_only(client: httpx.AsyncClient) -> None:
    host, other = await register(client), await register(client)
    response = await client.get(
        f"/hosts/{host.uuid}/welcome", params={"guest": "x"}, headers=other.auth
    )
    error(response, 403)
