"""POST /hosts/{host}/friends?friend=UUID and DELETE /hosts/{host}/friends/{former_friend}."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import client_for
from tests.helpers import HostAccount, error, register
from tests.hosts.conftest import UNKNOWN_HOST, delete, fetch


async def befriend(client: httpx.AsyncClient, account: HostAccount, friend: str) -> httpx.Response:
    """POST /hosts/{host}/friends as the host itself."""
    return await client.post(
        f"/hosts/{account.uuid}/friends", params={"friend": friend}, headers=account.auth
    )


async def test_befriend_returns_the_updated_host(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    response = await befriend(client, host, other.uuid)
    assert response.status_code == 200
    assert response.json()["uuid"] == host.uuid
    assert response.json()["friends"] == [other.uuid]


async def test_a_friend_is_kept(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await befriend(client, host, other.uuid)
    assert (await fetch(client, host))["friends"] == [other.uuid]


async def test_friendship_is_one_way(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await befriend(client, host, other.uuid)
    assert (await fetch(client, other))["friends"] == []


async def test_befriending_a_friend_again_is_200_without_a_duplicate(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await befriend(client, host, other.uuid)
    response = await befriend(client, host, other.uuid)
    assert response.status_code == 200
    assert response.json()["friends"] == [other.uuid]


async def test_uppercase_uuid_is_the_same_friend(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await befriend(client, host, other.uuid)
    response = await befriend(client, host, other.uuid.upper())
    assert response.status_code == 200
    assert response.json()["friends"] == [other.uuid]


async def test_befriending_yourself_is_400(client: httpx.AsyncClient, host: HostAccount) -> None:
    error(await befriend(client, host, host.uuid), 400, "befriend_self")
    assert (await fetch(client, host))["friends"] == []


async def test_befriending_yourself_in_capitals_is_400(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    error(await befriend(client, host, host.uuid.upper()), 400, "befriend_self")


async def test_befriending_a_banned_host_is_400(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await client.post(
        f"/hosts/{host.uuid}/banlist", params={"banned": other.uuid}, headers=host.auth
    )
    error(await befriend(client, host, other.uuid), 400, "friend_banned")
    assert (await fetch(client, host))["friends"] == []


async def test_befriending_past_a_full_list_is_400(make_app: Callable[..., Any]) -> None:
    app = await make_app(max_friends=2)
    async with client_for(app) as client:
        host = await register(client)
        friends = [await register(client) for _ in range(3)]
        for friend in friends[:2]:
            assert (await befriend(client, host, friend.uuid)).status_code == 200
        error(await befriend(client, host, friends[2].uuid), 400, "list_full")
        listed = (await fetch(client, host))["friends"]
        assert isinstance(listed, list)
        assert set(listed) == {friend.uuid for friend in friends[:2]}


async def test_befriending_a_friend_again_on_a_full_list_is_200(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(max_friends=2)
    async with client_for(app) as client:
        host = await register(client)
        friends = [await register(client) for _ in range(2)]
        for friend in friends:
            await befriend(client, host, friend.uuid)
        assert (await befriend(client, host, friends[0].uuid)).status_code == 200


async def test_unfriending_makes_room_on_a_full_list(make_app: Callable[..., Any]) -> None:
    app = await make_app(max_friends=2)
    async with client_for(app) as client:
        host = await register(client)
        friends = [await register(client) for _ in range(3)]
        for friend in friends[:2]:
            await befriend(client, host, friend.uuid)
        await client.delete(f"/hosts/{host.uuid}/friends/{friends[0].uuid}", headers=host.auth)
        assert (await befriend(client, host, friends[2].uuid)).status_code == 200


async def test_banning_a_friend_makes_room_on_a_full_list(make_app: Callable[..., Any]) -> None:
    app = await make_app(max_friends=2)
    async with client_for(app) as client:
        host = await register(client)
        friends = [await register(client) for _ in range(3)]
        for friend in friends[:2]:
            await befriend(client, host, friend.uuid)
        await client.post(
            f"/hosts/{host.uuid}/banlist", params={"banned": friends[0].uuid}, headers=host.auth
        )
        assert (await befriend(client, host, friends[2].uuid)).status_code == 200


async def test_a_deleted_friend_makes_room_on_a_full_list(make_app: Callable[..., Any]) -> None:
    app = await make_app(max_friends=2)
    async with client_for(app) as client:
        host = await register(client)
        friends = [await register(client) for _ in range(3)]
        for friend in friends[:2]:
            await befriend(client, host, friend.uuid)
        await delete(client, friends[0])
        assert (await befriend(client, host, friends[2].uuid)).status_code == 200


async def test_befriending_an_unregistered_host_is_404_not_found_other(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    body = error(await befriend(client, host, UNKNOWN_HOST), 404, "not_found_other")
    assert body["message"] == "the host or list entry this request names does not exist"


async def test_befriending_a_deleted_host_is_404_not_found_other(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await delete(client, other)
    error(await befriend(client, host, other.uuid), 404, "not_found_other")


async def test_friend_that_is_not_a_uuid_is_422(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    response = await befriend(client, host, "my-buddy")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "friend"]


async def test_missing_friend_is_422(client: httpx.AsyncClient, host: HostAccount) -> None:
    response = await client.post(f"/hosts/{host.uuid}/friends", headers=host.auth)
    assert response.status_code == 422


async def test_befriending_for_another_host_is_403(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    response = await client.post(
        f"/hosts/{other.uuid}/friends", params={"friend": host.uuid}, headers=host.auth
    )
    error(response, 403, "forbidden")
    assert (await fetch(client, other))["friends"] == []


async def test_befriending_without_a_token_is_401(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    response = await client.post(f"/hosts/{host.uuid}/friends", params={"friend": other.uuid})
    error(response, 401, "unauthorized")


async def test_admin_may_befriend_for_a_host(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount, admin: dict[str, str]
) -> None:
    response = await client.post(
        f"/hosts/{host.uuid}/friends", params={"friend": other.uuid}, headers=admin
    )
    assert response.status_code == 200
    assert (await fetch(client, host))["friends"] == [other.uuid]


async def test_unfriend_returns_the_updated_host(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await befriend(client, host, other.uuid)
    response = await client.delete(f"/hosts/{host.uuid}/friends/{other.uuid}", headers=host.auth)
    assert response.status_code == 200
    assert response.json()["friends"] == []
    assert (await fetch(client, host))["friends"] == []


async def test_unfriend_keeps_the_other_friends(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    third = await register(client)
    await befriend(client, host, other.uuid)
    await befriend(client, host, third.uuid)
    response = await client.delete(f"/hosts/{host.uuid}/friends/{other.uuid}", headers=host.auth)
    assert response.json()["friends"] == [third.uuid]


async def test_unfriend_in_capitals_removes_the_friend(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await befriend(client, host, other.uuid)
    response = await client.delete(
        f"/hosts/{host.uuid}/friends/{other.uuid.upper()}", headers=host.auth
    )
    assert response.status_code == 200
    assert response.json()["friends"] == []


async def test_unfriending_a_non_friend_is_404_not_found_other(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    response = await client.delete(f"/hosts/{host.uuid}/friends/{other.uuid}", headers=host.auth)
    body = error(response, 404, "not_found_other")
    assert body["message"] == "the host or list entry this request names does not exist"


async def test_unfriending_twice_is_404_the_second_time(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await befriend(client, host, other.uuid)
    url = f"/hosts/{host.uuid}/friends/{other.uuid}"
    assert (await client.delete(url, headers=host.auth)).status_code == 200
    error(await client.delete(url, headers=host.auth), 404, "not_found_other")


async def test_former_friend_that_is_not_a_uuid_is_422(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    response = await client.delete(f"/hosts/{host.uuid}/friends/buddy", headers=host.auth)
    assert response.status_code == 422


async def test_unfriending_for_another_host_is_403(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await befriend(client, other, host.uuid)
    response = await client.delete(f"/hosts/{other.uuid}/friends/{host.uuid}", headers=host.auth)
    error(response, 403, "forbidden")
    assert (await fetch(client, other))["friends"] == [host.uuid]


async def test_unfriending_without_a_token_is_401(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await befriend(client, host, other.uuid)
    response = await client.delete(f"/hosts/{host.uuid}/friends/{other.uuid}")
    error(response, 401, "unauthorized")
