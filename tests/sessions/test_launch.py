"""POST /sessions: launch, idempotent relaunch, and its failures."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import bearer, error, register
from tests.sessions.conftest import join, launch, open_to_all


async def test_launch_creates_a_session_with_location(client: httpx.AsyncClient) -> None:
    host = await register(client)
    response = await client.post("/sessions", json={"host": host.uuid}, headers=host.auth)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"session_id", "source_of_truth_key"}
    assert isinstance(body["session_id"], int)
    assert body["session_id"] > 0
    assert len(body["source_of_truth_key"]) >= 22  # at least 128 random bits
    assert response.headers["Location"] == f"/sessions/{body['session_id']}"


async def test_launch_again_answers_the_existing_session_with_200(
    client: httpx.AsyncClient,
) -> None:
    host = await register(client)
    first = await launch(client, host)
    response = await client.post("/sessions", json={"host": host.uuid}, headers=host.auth)
    assert response.status_code == 200
    assert response.json() == first
    assert response.headers["Location"] == f"/sessions/{first['session_id']}"


async def test_launch_creates_the_source_of_truth_with_the_host_as_member(
    client: httpx.AsyncClient, app: Any
) -> None:
    host = await register(client)
    body = await launch(client, host)
    document = await app.state.store.get(body["source_of_truth_key"])
    assert document.state == {}
    assert set(document.members) == {host.uuid}


async def test_launch_by_a_host_that_is_a_guest_elsewhere_is_409(client: httpx.AsyncClient) -> None:
    owner, guest = await register(client), await register(client)
    await open_to_all(client, owner)
    await launch(client, owner)
    assert (await join(client, guest, owner.uuid, guest.uuid)).status_code == 200
    response = await client.post("/sessions", json={"host": guest.uuid}, headers=guest.auth)
    error(response, 409, "host_is_guest")


async def test_launch_for_another_host_is_403(client: httpx.AsyncClient) -> None:
    host, other = await register(client), await register(client)
    response = await client.post("/sessions", json={"host": other.uuid}, headers=host.auth)
    error(response, 403)


async def test_launch_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    host = await register(client)
    response = await client.post("/sessions", json={"host": host.uuid})
    error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_launch_with_a_deleted_host_s_token_is_401(client: httpx.AsyncClient) -> None:
    host = await register(client)
    assert (await client.delete(f"/hosts/{host.uuid}", headers=host.auth)).status_code == 204
    response = await client.post("/sessions", json={"host": host.uuid}, headers=host.auth)
    error(response, 401, "unauthorized")


async def test_admin_launch_for_an_unknown_host_is_404_not_found_other(
    client: httpx.AsyncClient, app: Any
) -> None:
    admin = app.state.runtime.tokens.issue("admin", frozenset({"session:*"}))
    response = await client.post(
        "/sessions", json={"host": "00000000-0000-4000-8000-000000000000"}, headers=bearer(admin)
    )
    error(response, 404, "not_found_other")


async def test_launch_with_options_shows_them_to_members(client: httpx.AsyncClient) -> None:
    host = await register(client)
    options = {
        "type": "ctf",
        "capacity": 4,
        "visibility": "private",
        "keywords": ["eu", "ranked", "eu"],
        "labels": {"map": "dust"},
        "connection": {"address": "203.0.113.7", "ports": {"game": 7777}},
    }
    body = await launch(client, host, **options)
    view = (await client.get(f"/sessions/{body['session_id']}", headers=host.auth)).json()
    assert view["type"] == "ctf"
    assert view["capacity"] == 4
    assert view["visibility"] == "private"
    assert view["keywords"] == ["eu", "ranked"]
    assert view["labels"] == {"map": "dust"}
    assert view["connection"] == {"address": "203.0.113.7", "ports": {"game": 7777}}


async def test_launch_defaults(client: httpx.AsyncClient) -> None:
    host = await register(client)
    body = await launch(client, host)
    view = (await client.get(f"/sessions/{body['session_id']}", headers=host.auth)).json()
    assert (view["type"], view["capacity"], view["visibility"]) == ("default", 8, "open")
    assert view["members"] == [
        {"player": host.uuid, "role": "host", "status": "active", "joined_at": view["start_time"]}
    ]


async def test_invalid_options_are_422(client: httpx.AsyncClient) -> None:
    host = await register(client)
    for bad in (
        {"capacity": 1},
        {"capacity": "eight"},
        {"visibility": "secret"},
        {"keywords": ["k"] * 17},
        {"keywords": [""]},
        {"labels": {"k": "v" * 257}},
        {"connection": {"address": "not an address!", "ports": {}}},
        {"connection": {"address": "10.0.0.1", "ports": {"game": 70000}}},
        {"type": "has spaces"},
        {"unknown": 1},
    ):
        response = await client.post(
            "/sessions", json={"host": host.uuid, **bad}, headers=host.auth
        )
        assert response.status_code == 422, (bad, response.text)


async def test_capacity_above_the_configured_maximum_is_400(client: httpx.AsyncClient) -> None:
    host = await register(client)
    response = await client.post(
        "/sessions", json={"host": host.uuid, "capacity": 100_000}, headers=host.auth
    )
    error(response, 400, "capacity_too_large")


async def test_session_ids_are_never_reused(client: httpx.AsyncClient) -> None:
    host = await register(client)
    seen = []
    for _ in range(3):
        body = await launch(client, host)
        seen.append(body["session_id"])
        response = await client.delete(f"/sessions/{body['session_id']}", headers=host.auth)
        assert response.status_code == 204
    assert seen == sorted(set(seen))
