"""POST /hosts and GET /hosts/{host}/access_token."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import jwt

from lobbyd.db import open_database
from tests.conftest import JWT_SECRET, client_for
from tests.helpers import error, register

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


async def test_registration_returns_defaults_and_a_secret(client: httpx.AsyncClient) -> None:
    response = await client.post("/hosts")
    assert response.status_code == 200
    body = response.json()
    assert UUID.match(body["uuid"])
    assert body["only_friends"] is True
    assert body["allow_nonames"] is False
    assert body["friends"] == []
    assert body["banlist"] == []
    assert len(body["secret"]) >= 43  # 256 bits, URL-safe base64


async def test_secret_is_stored_only_as_a_digest(client: httpx.AsyncClient, app: Any) -> None:
    body = (await client.post("/hosts")).json()
    db = open_database(app.state.settings.database_url)
    await db.connect()
    try:
        async with db.reading() as conn:
            rows = await conn.fetch("SELECT * FROM hosts WHERE uuid = $1", body["uuid"])
    finally:
        await db.close()
    stored = " ".join(str(value) for value in dict(rows[0]).values())
    assert body["secret"] not in stored


async def test_each_registration_makes_a_distinct_host(client: httpx.AsyncClient) -> None:
    first = (await client.post("/hosts")).json()
    second = (await client.post("/hosts")).json()
    assert first["uuid"] != second["uuid"]
    assert first["secret"] != second["secret"]


async def test_login_with_uuid_and_secret_gives_a_token(client: httpx.AsyncClient) -> None:
    body = (await client.post("/hosts")).json()
    response = await client.get(
        f"/hosts/{body['uuid']}/access_token", auth=(body["uuid"], body["secret"])
    )
    assert response.status_code == 200
    claims = jwt.decode(
        response.json()["token"], JWT_SECRET, algorithms=["HS256"], audience="lobbyd"
    )
    assert claims["sub"] == body["uuid"]
    assert claims["iss"] == "lobbyd"
    assert claims["scope"] == "session:read-player:self"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["jti"]


async def test_login_with_wrong_secret_is_401_basic(client: httpx.AsyncClient) -> None:
    body = (await client.post("/hosts")).json()
    response = await client.get(f"/hosts/{body['uuid']}/access_token", auth=(body["uuid"], "nope"))
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Basic realm="lobbyd"'


async def test_login_without_credentials_is_401_basic(client: httpx.AsyncClient) -> None:
    body = (await client.post("/hosts")).json()
    response = await client.get(f"/hosts/{body['uuid']}/access_token")
    error(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Basic realm="lobbyd"'


async def test_login_as_another_basic_user_is_401(client: httpx.AsyncClient) -> None:
    first = (await client.post("/hosts")).json()
    second = (await client.post("/hosts")).json()
    response = await client.get(
        f"/hosts/{first['uuid']}/access_token", auth=(second["uuid"], second["secret"])
    )
    error(response, 401)


async def test_login_to_an_unknown_host_is_404_not_found_this(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/hosts/00000000-0000-4000-8000-000000000000/access_token", auth=("a", "b")
    )
    body = error(response, 404, "not_found_this")
    assert body["message"] == "this host does not exist (never registered, or deleted)"


async def test_login_with_a_host_that_is_not_a_uuid_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/hosts/not-a-uuid/access_token")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "host"]


async def test_uuid_only_login_when_configured(make_app: Callable[..., Any]) -> None:
    app = await make_app(login="uuid")
    async with client_for(app) as client:
        body = (await client.post("/hosts")).json()
        response = await client.get(f"/hosts/{body['uuid']}/access_token")
    assert response.status_code == 200
    assert response.json()["token"]


async def test_uuid_only_login_is_off_by_default(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await client.get(f"/hosts/{account.uuid}/access_token")
    assert response.status_code == 401
