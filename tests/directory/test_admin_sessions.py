"""GET /admin/sessions: every active session, by host and keyword, for admins only."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.directory.conftest import hosted, token
from tests.helpers import error, register


async def test_admin_lists_every_active_session_private_ones_too(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    open_ = await hosted(client)
    private = await hosted(client, visibility="private")
    response = await client.get("/admin/sessions", headers=admin)
    assert response.status_code == 200, response.text
    listed = [item["session_id"] for item in response.json()["results"]]
    assert listed == sorted([open_.session_id, private.session_id])
    assert response.json()["next_cursor"] is None


async def test_admin_filters_by_host_and_by_keyword(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = await hosted(client, keywords=["ranked"])
    second = await hosted(client, keywords=["ranked", "eu"])
    await hosted(client)
    by_host = await client.get("/admin/sessions", params={"host": second.uuid}, headers=admin)
    assert [item["host"] for item in by_host.json()["results"]] == [second.uuid]
    by_keyword = await client.get("/admin/sessions", params={"keyword": "ranked"}, headers=admin)
    assert [item["session_id"] for item in by_keyword.json()["results"]] == [
        first.session_id,
        second.session_id,
    ]
    both = await client.get(
        "/admin/sessions", params={"keyword": "eu", "host": first.uuid}, headers=admin
    )
    assert both.json()["results"] == []


async def test_admin_pages_with_signed_cursors_bound_to_the_filters(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    ids = [(await hosted(client, keywords=["k"])).session_id for _ in range(3)]
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"take": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/admin/sessions", params=params, headers=admin)).json()
        seen += [item["session_id"] for item in page["results"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    first = (await client.get("/admin/sessions", params={"take": 1}, headers=admin)).json()
    elsewhere = await client.get(
        "/admin/sessions", params={"cursor": first["next_cursor"], "keyword": "k"}, headers=admin
    )
    error(elsewhere, 400, "bad_cursor")
    # A cursor of GET /sessions does not page the admin listing either.
    query = (await client.get("/sessions", params={"take": 1}, headers=admin)).json()
    other = await client.get(
        "/admin/sessions", params={"cursor": query["next_cursor"]}, headers=admin
    )
    error(other, 400, "bad_cursor")


async def test_only_admins_list_every_session(app: FastAPI, client: httpx.AsyncClient) -> None:
    host = await register(client)
    error(await client.get("/admin/sessions", headers=host.auth), 403, "forbidden")
    reader = token(app, "admin", "session:read-player:any")
    error(await client.get("/admin/sessions", headers=reader), 403, "forbidden")
    error(await client.get("/admin/sessions"), 401, "unauthorized")


async def test_admin_listing_refuses_bad_filters(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for params in ({"host": "not-a-uuid"}, {"take": 0}, {"take": 101}, {"colour": "red"}):
        response = await client.get("/admin/sessions", params=params, headers=admin)
        assert response.status_code == 422, (params, response.text)
