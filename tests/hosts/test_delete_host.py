"""DELETE /hosts/{host}: the account goes, and leaves every other host's friends list."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import client_for
from tests.helpers import HostAccount, error, register
from tests.hosts.conftest import UNKNOWN_HOST, fetch


async def test_delete_is_204_with_no_body(client: httpx.AsyncClient, host: HostAccount) -> None:
    response = await client.delete(f"/hosts/{host.uuid}", headers=host.auth)
    assert response.status_code == 204
    assert response.content == b""


async def test_a_deleted_host_cannot_log_in(client: httpx.AsyncClient, host: HostAccount) -> None:
    await client.delete(f"/hosts/{host.uuid}", headers=host.auth)
    response = await client.get(f"/hosts/{host.uuid}/access_token", auth=(host.uuid, host.secret))
    error(response, 404, "not_found_this")


async def test_a_deleted_host_is_404_to_others(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await client.delete(f"/hosts/{host.uuid}", headers=host.auth)
    error(await client.get(f"/hosts/{host.uuid}", headers=other.auth), 404, "not_found_other")


async def test_a_deleted_host_leaves_other_hosts_friends_lists(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    third = await register(client)
    for account in (other, third):
        await client.post(
            f"/hosts/{account.uuid}/friends", params={"friend": host.uuid}, headers=account.auth
        )
    await client.delete(f"/hosts/{host.uuid}", headers=host.auth)
    assert (await fetch(client, other))["friends"] == []
    assert (await fetch(client, third))["friends"] == []


async def test_deleting_a_host_leaves_its_friends_registered(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await client.post(
        f"/hosts/{host.uuid}/friends", params={"friend": other.uuid}, headers=host.auth
    )
    await client.delete(f"/hosts/{host.uuid}", headers=host.auth)
    response = await client.get(
        f"/hosts/{other.uuid}/access_token", auth=(other.uuid, other.secret)
    )
    assert response.status_code == 200


async def test_a_host_with_friends_and_bans_can_be_deleted(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await client.post(
        f"/hosts/{host.uuid}/friends", params={"friend": other.uuid}, headers=host.auth
    )
    await client.post(
        f"/hosts/{host.uuid}/banlist", params={"banned": "griefer"}, headers=host.auth
    )
    await client.post(
        f"/hosts/{other.uuid}/banlist", params={"banned": host.uuid}, headers=other.auth
    )
    response = await client.delete(f"/hosts/{host.uuid}", headers=host.auth)
    assert response.status_code == 204


async def test_deleting_another_host_is_403(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    error(await client.delete(f"/hosts/{other.uuid}", headers=host.auth), 403, "forbidden")
    assert (await fetch(client, other))["uuid"] == other.uuid


async def test_deleting_without_a_token_is_401(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    response = await client.delete(f"/hosts/{host.uuid}")
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await fetch(client, host))["uuid"] == host.uuid


async def test_admin_may_delete_a_host(
    client: httpx.AsyncClient, host: HostAccount, admin: dict[str, str]
) -> None:
    assert (await client.delete(f"/hosts/{host.uuid}", headers=admin)).status_code == 204
    response = await client.get(f"/hosts/{host.uuid}/access_token", auth=(host.uuid, host.secret))
    error(response, 404, "not_found_this")


async def test_deleting_again_with_the_deleted_host_s_token_is_401(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    await client.delete(f"/hosts/{host.uuid}", headers=host.auth)
    response = await client.delete(f"/hosts/{host.uuid}", headers=host.auth)
    error(response, 401, "unauthorized")


async def test_admin_deleting_an_unknown_host_is_404_not_found_other(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    error(await client.delete(f"/hosts/{UNKNOWN_HOST}", headers=admin), 404, "not_found_other")


async def test_host_that_is_not_a_uuid_is_422(client: httpx.AsyncClient, host: HostAccount) -> None:
    assert (await client.delete("/hosts/not-a-uuid", headers=host.auth)).status_code == 422


async def test_a_friend_deleted_while_being_befriended_never_takes_a_place_on_the_list(
    make_app: Callable[..., Any],
) -> None:
    # Whichever commits first, the befriender ends with no friend and a free place.
    app = await make_app(max_friends=1)
    async with client_for(app) as client:
        for _ in range(40):
            host, doomed, later = [await register(client) for _ in range(3)]
            await asyncio.gather(
                client.post(
                    f"/hosts/{host.uuid}/friends", params={"friend": doomed.uuid}, headers=host.auth
                ),
                client.delete(f"/hosts/{doomed.uuid}", headers=doomed.auth),
            )
            assert (await fetch(client, host))["friends"] == []
            response = await client.post(
                f"/hosts/{host.uuid}/friends", params={"friend": later.uuid}, headers=host.auth
            )
            assert response.status_code == 200, response.text


async def test_banning_a_friend_while_it_deletes_its_account_succeeds_both_ways(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(20):
        host, friend = await register(client), await register(client)
        await client.post(
            f"/hosts/{host.uuid}/friends", params={"friend": friend.uuid}, headers=host.auth
        )
        banned, deleted = await asyncio.gather(
            client.post(
                f"/hosts/{host.uuid}/banlist", params={"banned": friend.uuid}, headers=host.auth
            ),
            client.delete(f"/hosts/{friend.uuid}", headers=friend.auth),
        )
        assert (banned.status_code, deleted.status_code) == (200, 204)
        assert (await fetch(client, host))["friends"] == []


async def test_unfriending_a_friend_while_it_deletes_its_account_leaves_no_friend(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(max_friends=1)
    async with client_for(app) as client:
        for _ in range(20):
            host, friend, later = [await register(client) for _ in range(3)]
            await client.post(
                f"/hosts/{host.uuid}/friends", params={"friend": friend.uuid}, headers=host.auth
            )
            unfriended, deleted = await asyncio.gather(
                client.delete(f"/hosts/{host.uuid}/friends/{friend.uuid}", headers=host.auth),
                client.delete(f"/hosts/{friend.uuid}", headers=friend.auth),
            )
            assert deleted.status_code == 204
            if unfriended.status_code != 200:  # the deletion came first
                error(unfriended, 404, "not_found_other")
            response = await client.post(
                f"/hosts/{host.uuid}/friends", params={"friend": later.uuid}, headers=host.auth
            )
            assert response.json()["friends"] == [later.uuid]


async def test_mutual_friends_deleting_their_accounts_at_once_both_succeed(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(10):
        first, second = await register(client), await register(client)
        for account, friend in ((first, second), (second, first)):
            await client.post(
                f"/hosts/{account.uuid}/friends",
                params={"friend": friend.uuid},
                headers=account.auth,
            )
        responses = await asyncio.gather(
            client.delete(f"/hosts/{first.uuid}", headers=first.auth),
            client.delete(f"/hosts/{second.uuid}", headers=second.auth),
        )
        assert [response.status_code for response in responses] == [204, 204]
