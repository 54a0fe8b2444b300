"""POST /hosts/{host}/banlist?banned=GUEST and DELETE /hosts/{host}/banlist/{banned}."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import client_for
from tests.helpers import HostAccount, error, register
from tests.hosts.conftest import fetch

NONAMES = [
    "griefer",
    "Player One",
    "joueur-éàü",
    "玩家😀",
    "clan/player",
    "a/b/c",
    "100% real",
    "?#&=+",
    "x" * 128,
    "é" * 128,
]
CONTROL = ["\x00", "bad\x00name", "line\nbreak", "tab\there", "\x1b[31mred", "del\x7f", "\u200b"]


async def ban(client: httpx.AsyncClient, account: HostAccount, guest: str) -> httpx.Response:
    """POST /hosts/{host}/banlist as the host itself."""
    return await client.post(
        f"/hosts/{account.uuid}/banlist", params={"banned": guest}, headers=account.auth
    )


async def unban(client: httpx.AsyncClient, account: HostAccount, guest: str) -> httpx.Response:
    """DELETE /hosts/{host}/banlist/{banned} as the host itself, the id percent-encoded
    except for its slashes."""
    return await client.delete(
        f"/hosts/{account.uuid}/banlist/{quote(guest, safe='/')}", headers=account.auth
    )


async def test_ban_returns_the_updated_host(client: httpx.AsyncClient, host: HostAccount) -> None:
    response = await ban(client, host, "griefer")
    assert response.status_code == 200
    assert response.json()["uuid"] == host.uuid
    assert response.json()["banlist"] == ["griefer"]


async def test_a_ban_is_kept(client: httpx.AsyncClient, host: HostAccount) -> None:
    await ban(client, host, "griefer")
    assert (await fetch(client, host))["banlist"] == ["griefer"]


async def test_a_registered_host_can_be_banned(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    response = await ban(client, host, other.uuid)
    assert response.json()["banlist"] == [other.uuid]


async def test_an_unregistered_uuid_can_be_banned(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    guest = "11111111-2222-4333-8444-555555555555"
    assert (await ban(client, host, guest)).json()["banlist"] == [guest]


async def test_banning_a_friend_removes_it_from_the_friends_list(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await client.post(
        f"/hosts/{host.uuid}/friends", params={"friend": other.uuid}, headers=host.auth
    )
    response = await ban(client, host, other.uuid)
    assert response.json()["friends"] == []
    assert response.json()["banlist"] == [other.uuid]
    assert (await fetch(client, host))["friends"] == []


async def test_banning_yourself_is_400(client: httpx.AsyncClient, host: HostAccount) -> None:
    error(await ban(client, host, host.uuid), 400, "ban_self")
    assert (await fetch(client, host))["banlist"] == []


async def test_banning_yourself_in_capitals_is_400(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    error(await ban(client, host, host.uuid.upper()), 400, "ban_self")


async def test_banning_again_is_200_without_a_duplicate(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    await ban(client, host, "griefer")
    response = await ban(client, host, "griefer")
    assert response.status_code == 200
    assert response.json()["banlist"] == ["griefer"]


async def test_banning_past_a_full_list_is_400(make_app: Callable[..., Any]) -> None:
    app = await make_app(max_banlist=2)
    async with client_for(app) as client:
        host = await register(client)
        assert (await ban(client, host, "one")).status_code == 200
        assert (await ban(client, host, "two")).status_code == 200
        error(await ban(client, host, "three"), 400, "list_full")
        listed = (await fetch(client, host))["banlist"]
        assert isinstance(listed, list)
        assert set(listed) == {"one", "two"}


async def test_banning_again_on_a_full_list_is_200(make_app: Callable[..., Any]) -> None:
    app = await make_app(max_banlist=2)
    async with client_for(app) as client:
        host = await register(client)
        await ban(client, host, "one")
        await ban(client, host, "two")
        assert (await ban(client, host, "one")).status_code == 200


async def test_unbanning_makes_room_on_a_full_list(make_app: Callable[..., Any]) -> None:
    app = await make_app(max_banlist=2)
    async with client_for(app) as client:
        host = await register(client)
        await ban(client, host, "one")
        await ban(client, host, "two")
        await unban(client, host, "one")
        assert (await ban(client, host, "three")).status_code == 200


@pytest.mark.parametrize("guest", NONAMES)
async def test_any_printable_noname_id_can_be_banned_verbatim(
    client: httpx.AsyncClient, host: HostAccount, guest: str
) -> None:
    response = await ban(client, host, guest)
    assert response.status_code == 200
    assert (await fetch(client, host))["banlist"] == [guest]


@pytest.mark.parametrize("guest", NONAMES)
async def test_any_banned_noname_can_be_unbanned_through_the_path(
    client: httpx.AsyncClient, host: HostAccount, guest: str
) -> None:
    await ban(client, host, guest)
    response = await unban(client, host, guest)
    assert response.status_code == 200
    assert response.json()["banlist"] == []


async def test_unban_with_an_encoded_slash_in_the_id_works(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    await ban(client, host, "clan/player")
    response = await client.delete(f"/hosts/{host.uuid}/banlist/clan%2Fplayer", headers=host.auth)
    assert response.status_code == 200
    assert response.json()["banlist"] == []


@pytest.mark.parametrize("guest", ["..", ".", "a/../b", "a/./b", "../x", "x/.."])
async def test_ids_with_dot_path_segments_are_refused_422(
    client: httpx.AsyncClient, host: HostAccount, guest: str
) -> None:
    # Clients rewrite literal "." and ".." path segments before sending (RFC 3986), so such an
    # id would later address another resource (DELETE .../banlist/.. is DELETE /hosts/{host}).
    response = await ban(client, host, guest)
    assert response.status_code == 422
    assert (await fetch(client, host))["banlist"] == []


@pytest.mark.parametrize("guest", ["...", "a.b", "v1.2/x", ".hidden"])
async def test_ids_with_dots_that_are_not_path_segments_are_fine(
    client: httpx.AsyncClient, host: HostAccount, guest: str
) -> None:
    assert (await ban(client, host, guest)).status_code == 200
    assert (await fetch(client, host))["banlist"] == [guest]


async def test_noname_ids_are_case_sensitive(client: httpx.AsyncClient, host: HostAccount) -> None:
    await ban(client, host, "Griefer")
    error(await unban(client, host, "griefer"), 404, "not_found_other")
    assert (await fetch(client, host))["banlist"] == ["Griefer"]


async def test_a_129_character_id_is_422(client: httpx.AsyncClient, host: HostAccount) -> None:
    response = await ban(client, host, "x" * 129)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "banned"]


async def test_an_empty_id_is_422(client: httpx.AsyncClient, host: HostAccount) -> None:
    assert (await ban(client, host, "")).status_code == 422


async def test_a_missing_id_is_422(client: httpx.AsyncClient, host: HostAccount) -> None:
    response = await client.post(f"/hosts/{host.uuid}/banlist", headers=host.auth)
    assert response.status_code == 422


@pytest.mark.parametrize("guest", CONTROL)
async def test_an_id_with_control_characters_is_422(
    client: httpx.AsyncClient, host: HostAccount, guest: str
) -> None:
    response = await ban(client, host, guest)
    assert response.status_code == 422
    assert (await fetch(client, host))["banlist"] == []


async def test_a_129_character_id_in_the_unban_path_is_422(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    assert (await unban(client, host, "x" * 129)).status_code == 422


@pytest.mark.parametrize(
    "spelling",
    [str.upper, lambda uuid: uuid.replace("-", ""), lambda uuid: f"{{{uuid}}}"],
    ids=["capitals", "no-hyphens", "braces"],
)
async def test_a_host_uuid_in_another_spelling_is_stored_in_its_canonical_form(
    client: httpx.AsyncClient,
    host: HostAccount,
    other: HostAccount,
    spelling: Callable[[str], str],
) -> None:
    response = await ban(client, host, spelling(other.uuid))
    assert response.json()["banlist"] == [other.uuid]


async def test_a_ban_in_capitals_still_refuses_the_friendship(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await ban(client, host, other.uuid.upper())
    response = await client.post(
        f"/hosts/{host.uuid}/friends", params={"friend": other.uuid}, headers=host.auth
    )
    error(response, 400, "friend_banned")


async def test_a_ban_in_capitals_removes_the_friend(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await client.post(
        f"/hosts/{host.uuid}/friends", params={"friend": other.uuid}, headers=host.auth
    )
    response = await ban(client, host, other.uuid.upper())
    assert response.json()["friends"] == []


async def test_a_ban_in_another_spelling_is_not_a_second_entry(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await ban(client, host, other.uuid)
    response = await ban(client, host, other.uuid.upper())
    assert response.json()["banlist"] == [other.uuid]


async def test_unban_in_capitals_lifts_the_ban(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await ban(client, host, other.uuid)
    response = await unban(client, host, other.uuid.upper())
    assert response.status_code == 200
    assert response.json()["banlist"] == []


async def test_unban_returns_the_updated_host(client: httpx.AsyncClient, host: HostAccount) -> None:
    await ban(client, host, "griefer")
    await ban(client, host, "troll")
    response = await unban(client, host, "griefer")
    assert response.status_code == 200
    assert response.json()["banlist"] == ["troll"]
    assert (await fetch(client, host))["banlist"] == ["troll"]


async def test_an_unbanned_host_can_be_befriended_again(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await ban(client, host, other.uuid)
    await unban(client, host, other.uuid)
    response = await client.post(
        f"/hosts/{host.uuid}/friends", params={"friend": other.uuid}, headers=host.auth
    )
    assert response.status_code == 200


async def test_unban_does_not_restore_the_friendship(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await client.post(
        f"/hosts/{host.uuid}/friends", params={"friend": other.uuid}, headers=host.auth
    )
    await ban(client, host, other.uuid)
    response = await unban(client, host, other.uuid)
    assert response.json()["friends"] == []


async def test_unbanning_a_guest_that_is_not_banned_is_404_not_found_other(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    body = error(await unban(client, host, "griefer"), 404, "not_found_other")
    assert body["message"] == "the host or list entry this request names does not exist"


async def test_banning_for_another_host_is_403(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    response = await client.post(
        f"/hosts/{other.uuid}/banlist", params={"banned": "griefer"}, headers=host.auth
    )
    error(response, 403, "forbidden")
    assert (await fetch(client, other))["banlist"] == []


async def test_unbanning_for_another_host_is_403(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await ban(client, other, "griefer")
    response = await client.delete(f"/hosts/{other.uuid}/banlist/griefer", headers=host.auth)
    error(response, 403, "forbidden")
    assert (await fetch(client, other))["banlist"] == ["griefer"]


async def test_banning_without_a_token_is_401(client: httpx.AsyncClient, host: HostAccount) -> None:
    response = await client.post(f"/hosts/{host.uuid}/banlist", params={"banned": "griefer"})
    error(response, 401, "unauthorized")


async def test_unbanning_without_a_token_is_401(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    await ban(client, host, "griefer")
    response = await client.delete(f"/hosts/{host.uuid}/banlist/griefer")
    error(response, 401, "unauthorized")


async def test_admin_may_ban_for_a_host(
    client: httpx.AsyncClient, host: HostAccount, admin: dict[str, str]
) -> None:
    response = await client.post(
        f"/hosts/{host.uuid}/banlist", params={"banned": "griefer"}, headers=admin
    )
    assert response.status_code == 200
    assert (await fetch(client, host))["banlist"] == ["griefer"]
