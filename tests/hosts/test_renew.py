"""GET /hosts/access_token/renew."""

from __future__ import annotations

import httpx
import jwt

from lobbyd.kit.clock import ManualClock
from tests.conftest import JWT_SECRET
from tests.helpers import HostAccount, bearer, error
from tests.hosts.conftest import delete

RENEW = "/hosts/access_token/renew"


def _claims(token: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(
        token,
        JWT_SECRET,
        algorithms=["HS256"],
        audience="lobbyd",
        options={"verify_exp": False, "verify_iat": False},
    )
    return claims


async def test_renew_returns_a_new_token_for_the_same_host(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    response = await client.get(RENEW, headers=host.auth)
    assert response.status_code == 200
    token = response.json()["token"]
    assert token != host.token
    assert _claims(token)["sub"] == host.uuid
    assert _claims(token)["jti"] != _claims(host.token)["jti"]


async def test_renewed_token_acts_as_the_host(client: httpx.AsyncClient, host: HostAccount) -> None:
    token = (await client.get(RENEW, headers=host.auth)).json()["token"]
    response = await client.get(f"/hosts/{host.uuid}", headers=bearer(token))
    assert response.status_code == 200
    assert "friends" in response.json()


async def test_renewed_token_outlives_the_old_one(
    client: httpx.AsyncClient, host: HostAccount, clock: ManualClock
) -> None:
    clock.advance(3000)
    token = (await client.get(RENEW, headers=host.auth)).json()["token"]
    clock.advance(1000)
    old = await client.get(f"/hosts/{host.uuid}", headers=host.auth)
    new = await client.get(f"/hosts/{host.uuid}", headers=bearer(token))
    error(old, 401, "unauthorized")
    assert new.status_code == 200


async def test_renewed_token_keeps_the_host_scope(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    token = (await client.get(RENEW, headers=host.auth)).json()["token"]
    assert _claims(token)["scope"] == "session:read-player:self"


async def test_renew_reports_the_lifetime(client: httpx.AsyncClient, host: HostAccount) -> None:
    body = (await client.get(RENEW, headers=host.auth)).json()
    claims = _claims(body["token"])
    assert body["expires_in"] == 3600
    assert claims["exp"] == claims["iat"] + 3600  # type: ignore[operator]


async def test_renew_without_a_token_is_401_bearer(client: httpx.AsyncClient) -> None:
    response = await client.get(RENEW)
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_renew_with_a_garbage_token_is_401_bearer(client: httpx.AsyncClient) -> None:
    response = await client.get(RENEW, headers=bearer("not.a.token"))
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_an_expired_token_cannot_be_renewed(
    client: httpx.AsyncClient, host: HostAccount, clock: ManualClock
) -> None:
    clock.advance(3600)
    response = await client.get(RENEW, headers=host.auth)
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_renew_with_a_deleted_host_s_token_is_401(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    await delete(client, host)
    response = await client.get(RENEW, headers=host.auth)
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_admin_token_renews_as_an_admin_token(
    client: httpx.AsyncClient, host: HostAccount, admin: dict[str, str]
) -> None:
    token = (await client.get(RENEW, headers=admin)).json()["token"]
    assert _claims(token)["scope"] == "session:*"
    response = await client.get(f"/hosts/{host.uuid}", headers=bearer(token))
    assert "banlist" in response.json()
