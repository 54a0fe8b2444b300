"""GET /hosts/{host}: who sees what, missing hosts, credentials, conditional requests."""

from __future__ import annotations

import httpx
import jwt
import pytest

from lobbyd.kit.clock import ManualClock
from tests.helpers import HostAccount, bearer, error
from tests.hosts.conftest import UNKNOWN_HOST, delete

WHOLE = {"uuid", "only_friends", "allow_nonames", "friends", "banlist"}
PUBLIC = {"uuid", "only_friends", "allow_nonames"}


async def test_owner_sees_the_whole_host(client: httpx.AsyncClient, host: HostAccount) -> None:
    response = await client.get(f"/hosts/{host.uuid}", headers=host.auth)
    assert response.status_code == 200
    assert response.json() == {
        "uuid": host.uuid,
        "only_friends": True,
        "allow_nonames": False,
        "friends": [],
        "banlist": [],
    }


async def test_owner_sees_its_friends_and_banlist(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await client.post(
        f"/hosts/{host.uuid}/friends", params={"friend": other.uuid}, headers=host.auth
    )
    await client.post(
        f"/hosts/{host.uuid}/banlist", params={"banned": "griefer"}, headers=host.auth
    )
    body = (await client.get(f"/hosts/{host.uuid}", headers=host.auth)).json()
    assert body["friends"] == [other.uuid]
    assert body["banlist"] == ["griefer"]


async def test_another_host_sees_only_the_public_fields(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await client.post(
        f"/hosts/{host.uuid}/banlist", params={"banned": "griefer"}, headers=host.auth
    )
    response = await client.get(f"/hosts/{host.uuid}", headers=other.auth)
    assert response.status_code == 200
    assert response.json() == {"uuid": host.uuid, "only_friends": True, "allow_nonames": False}


async def test_admin_sees_the_whole_host(
    client: httpx.AsyncClient, host: HostAccount, admin: dict[str, str]
) -> None:
    response = await client.get(f"/hosts/{host.uuid}", headers=admin)
    assert response.status_code == 200
    assert set(response.json()) == WHOLE


async def test_uppercase_uuid_names_the_same_host(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    response = await client.get(f"/hosts/{host.uuid.upper()}", headers=host.auth)
    assert response.status_code == 200
    assert response.json()["uuid"] == host.uuid
    assert set(response.json()) == WHOLE


async def test_unknown_host_is_404_not_found_other(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    response = await client.get(f"/hosts/{UNKNOWN_HOST}", headers=host.auth)
    body = error(response, 404, "not_found_other")
    assert body["message"] == "the host or list entry this request names does not exist"


async def test_own_deleted_host_s_token_is_401(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    await delete(client, host)
    response = await client.get(f"/hosts/{host.uuid}", headers=host.auth)
    error(response, 401, "unauthorized")


async def test_host_that_is_not_a_uuid_is_422(client: httpx.AsyncClient, host: HostAccount) -> None:
    response = await client.get("/hosts/not-a-uuid", headers=host.auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "host"]


async def test_missing_token_is_401_bearer(client: httpx.AsyncClient, host: HostAccount) -> None:
    response = await client.get(f"/hosts/{host.uuid}")
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "authorization",
    ["Bearer garbage", "Bearer a.b.c", "Bearer ", "Token abc", "Basic dXNlcjpwYXNz"],
)
async def test_malformed_token_is_401_bearer(
    client: httpx.AsyncClient, host: HostAccount, authorization: str
) -> None:
    response = await client.get(f"/hosts/{host.uuid}", headers={"Authorization": authorization})
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_token_signed_with_another_key_is_401(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    claims = jwt.decode(host.token, options={"verify_signature": False})
    forged = jwt.encode(claims, "another-key-" + "y" * 32, algorithm="HS256")
    response = await client.get(f"/hosts/{host.uuid}", headers=bearer(forged))
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_expired_token_is_401_bearer(
    client: httpx.AsyncClient, host: HostAccount, clock: ManualClock
) -> None:
    clock.advance(3600)
    response = await client.get(f"/hosts/{host.uuid}", headers=host.auth)
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_token_is_valid_until_it_expires(
    client: httpx.AsyncClient, host: HostAccount, clock: ManualClock
) -> None:
    clock.advance(3599)
    response = await client.get(f"/hosts/{host.uuid}", headers=host.auth)
    assert response.status_code == 200


async def test_response_carries_an_etag(client: httpx.AsyncClient, host: HostAccount) -> None:
    response = await client.get(f"/hosts/{host.uuid}", headers=host.auth)
    assert response.headers["ETag"].startswith('"')


async def test_current_etag_in_if_none_match_is_304(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    tag = (await client.get(f"/hosts/{host.uuid}", headers=host.auth)).headers["ETag"]
    response = await client.get(f"/hosts/{host.uuid}", headers={**host.auth, "If-None-Match": tag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["ETag"] == tag


async def test_weak_form_of_current_etag_is_304(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    tag = (await client.get(f"/hosts/{host.uuid}", headers=host.auth)).headers["ETag"]
    response = await client.get(
        f"/hosts/{host.uuid}", headers={**host.auth, "If-None-Match": f'"other", W/{tag}'}
    )
    assert response.status_code == 304


async def test_write_changes_the_etag_and_a_stale_tag_gets_the_new_host(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    before = (await client.get(f"/hosts/{host.uuid}", headers=host.auth)).headers["ETag"]
    await client.put(
        f"/hosts/{host.uuid}/allow_nonames", json={"allow_nonames": True}, headers=host.auth
    )
    response = await client.get(
        f"/hosts/{host.uuid}", headers={**host.auth, "If-None-Match": before}
    )
    assert response.status_code == 200
    assert response.headers["ETag"] != before
    assert response.json()["allow_nonames"] is True


async def test_friend_leaving_by_deletion_changes_the_etag(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await client.post(
        f"/hosts/{host.uuid}/friends", params={"friend": other.uuid}, headers=host.auth
    )
    before = (await client.get(f"/hosts/{host.uuid}", headers=host.auth)).headers["ETag"]
    await delete(client, other)
    response = await client.get(
        f"/hosts/{host.uuid}", headers={**host.auth, "If-None-Match": before}
    )
    assert response.status_code == 200
    assert response.json()["friends"] == []


async def test_public_and_owner_views_have_different_etags(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    owner_tag = (await client.get(f"/hosts/{host.uuid}", headers=host.auth)).headers["ETag"]
    response = await client.get(
        f"/hosts/{host.uuid}", headers={**other.auth, "If-None-Match": owner_tag}
    )
    assert response.status_code == 200
    assert set(response.json()) == PUBLIC


async def test_if_none_match_on_an_unknown_host_is_still_404(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    response = await client.get(
        f"/hosts/{UNKNOWN_HOST}", headers={**host.auth, "If-None-Match": "*"}
    )
    error(response, 404, "not_found_other")
