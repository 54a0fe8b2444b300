"""Platform ids can be squatted (the first host to link a platform session holds it while its
session lives); an admin releases such a link so the owner can link its own platform session."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.directory.conftest import hosted, token
from tests.directory.test_platform_sessions import LOBBY, _link, _read
from tests.helpers import error

RELEASE = f"/platforms/Steam/platform-sessions/{LOBBY}"


async def test_an_admin_releases_a_squatted_platform_session_for_its_owner(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    squatter, owner = await hosted(client), await hosted(client)
    assert (await _link(client, squatter)).status_code == 201
    error(await _link(client, owner), 409, "platform_session_taken")
    admin = token(app, "admin", "session:*")
    assert (await client.delete(RELEASE, headers=admin)).status_code == 204
    assert (await _link(client, owner)).status_code == 201
    assert (await _read(client, admin)).json()["session_id"] == owner.session_id


async def test_only_an_admin_may_release_403(client: httpx.AsyncClient, app: FastAPI) -> None:
    squatter, owner = await hosted(client), await hosted(client)
    await _link(client, squatter)
    for caller in (owner.auth, squatter.auth, token(app, "admin", "session:read:platform")):
        error(await client.delete(RELEASE, headers=caller), 403, "forbidden")
    assert (await _read(client, squatter.auth)).status_code == 200


async def test_releasing_what_nothing_links_is_404(client: httpx.AsyncClient, app: FastAPI) -> None:
    admin = token(app, "admin", "session:*")
    error(await client.delete(RELEASE, headers=admin), 404, "no_platform_session")


async def test_release_of_a_malformed_id_is_422(client: httpx.AsyncClient, app: FastAPI) -> None:
    admin = token(app, "admin", "session:*")
    response = await client.delete("/platforms/Steam/platform-sessions/not*base64", headers=admin)
    assert response.status_code == 422
