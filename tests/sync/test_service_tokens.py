"""A service token (`lobbyd token --scope S`) acts only within its scopes: it is no player, so it
cannot join, heartbeat or write a member document as the noname its subject spells."""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from tests.conftest import JWT_SECRET
from tests.helpers import bearer, error
from tests.sessions.conftest import join
from tests.sync.conftest import new_session


def _service(app: Any, *scopes: str) -> dict[str, str]:
    return bearer(app.state.runtime.tokens.issue("admin", frozenset(scopes)))


async def test_a_platform_reader_cannot_join_as_the_noname_admin(
    client: httpx.AsyncClient, app: Any
) -> None:
    session = await new_session(client)
    response = await client.post(
        "/sessions/players",
        json={"host": session.host.uuid, "guest": "admin"},
        headers=_service(app, "session:read:platform"),
    )
    error(response, 403, "forbidden")
    view = (await client.get(f"/sessions/{session.session_id}", headers=session.host.auth)).json()
    assert [m["player"] for m in view["members"]] == [session.host.uuid]


async def test_a_platform_reader_cannot_write_the_member_document_of_a_noname_admin(
    client: httpx.AsyncClient, app: Any
) -> None:
    session = await new_session(client)
    assert (await join(client, session.host, session.host.uuid, "admin")).status_code == 200
    response = await client.put(
        f"/sync/{session.key}/members/admin",
        json={"owned": True},
        headers=_service(app, "session:read:platform"),
    )
    assert response.status_code in (403, 404), response.text
    document = (await client.get(f"/sync/{session.key}", headers=session.host.auth)).json()
    assert document["members"]["admin"] == {}


async def test_a_platform_reader_cannot_heartbeat(client: httpx.AsyncClient, app: Any) -> None:
    session = await new_session(client)
    response = await client.post(
        f"/sessions/{session.session_id}/heartbeat",
        headers=_service(app, "session:read:platform"),
    )
    assert response.status_code in (403, 404), response.text


async def test_renewing_a_service_token_keeps_its_scopes(
    client: httpx.AsyncClient, app: Any
) -> None:
    response = await client.get(
        "/hosts/access_token/renew", headers=_service(app, "session:read:platform")
    )
    assert response.status_code == 200, response.text
    claims = jwt.decode(
        response.json()["token"],
        JWT_SECRET,
        algorithms=["HS256"],
        audience=None,
        options={"verify_aud": False},
    )
    assert claims["scope"] == "session:read:platform"


async def test_a_platform_reader_gets_no_ice_credentials_as_the_noname_admin(
    client: httpx.AsyncClient, app: Any
) -> None:
    session = await new_session(client)
    assert (await join(client, session.host, session.host.uuid, "admin")).status_code == 200
    response = await client.get(
        f"/sessions/{session.session_id}/ice", headers=_service(app, "session:read:platform")
    )
    error(response, 404, "no_session")
