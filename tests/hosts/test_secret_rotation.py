"""POST /hosts/{host}/secret: a new secret, and every token issued before stops working."""

from __future__ import annotations

import asyncio

import httpx

from tests.helpers import HostAccount, bearer, error, login
from tests.hosts.conftest import UNKNOWN_HOST, delete, fetch


async def rotate(client: httpx.AsyncClient, account: HostAccount) -> httpx.Response:
    """Rotate with the host's current secret over HTTP Basic."""
    return await client.post(f"/hosts/{account.uuid}/secret", auth=(account.uuid, account.secret))


async def test_rotation_returns_the_host_and_a_new_secret(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    response = await rotate(client, host)
    assert response.status_code == 200
    body = response.json()
    assert body["uuid"] == host.uuid
    assert body["secret"] != host.secret
    assert len(body["secret"]) >= 43


async def test_the_new_secret_is_shown_only_once(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    secret = (await rotate(client, host)).json()["secret"]
    token = await login(client, host.uuid, secret)
    response = await client.get(f"/hosts/{host.uuid}", headers=bearer(token))
    assert "secret" not in response.json()
    assert secret not in response.text


async def test_rotation_keeps_the_hosts_lists_and_flags(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await client.post(
        f"/hosts/{host.uuid}/friends", params={"friend": other.uuid}, headers=host.auth
    )
    await client.put(
        f"/hosts/{host.uuid}/allow_nonames", json={"allow_nonames": True}, headers=host.auth
    )
    body = (await rotate(client, host)).json()
    assert body["friends"] == [other.uuid]
    assert body["allow_nonames"] is True


async def test_the_new_secret_logs_in(client: httpx.AsyncClient, host: HostAccount) -> None:
    secret = (await rotate(client, host)).json()["secret"]
    token = await login(client, host.uuid, secret)
    assert (await client.get(f"/hosts/{host.uuid}", headers=bearer(token))).status_code == 200


async def test_the_old_secret_no_longer_logs_in(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    await rotate(client, host)
    response = await client.get(f"/hosts/{host.uuid}/access_token", auth=(host.uuid, host.secret))
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Basic realm="lobbyd"'


async def test_every_earlier_token_is_revoked(client: httpx.AsyncClient, host: HostAccount) -> None:
    second = await login(client, host.uuid, host.secret)
    renewed = (await client.get("/hosts/access_token/renew", headers=host.auth)).json()["token"]
    await rotate(client, host)
    for token in (host.token, second, renewed):
        response = await client.get(f"/hosts/{host.uuid}", headers=bearer(token))
        error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_a_revoked_token_cannot_be_renewed(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    await rotate(client, host)
    response = await client.get("/hosts/access_token/renew", headers=host.auth)
    error(response, 401, "unauthorized")


async def test_a_revoked_token_cannot_write(client: httpx.AsyncClient, host: HostAccount) -> None:
    await rotate(client, host)
    response = await client.post(
        f"/hosts/{host.uuid}/banlist", params={"banned": "griefer"}, headers=host.auth
    )
    error(response, 401, "unauthorized")


async def test_other_hosts_tokens_still_work(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    await rotate(client, host)
    assert (await client.get(f"/hosts/{other.uuid}", headers=other.auth)).status_code == 200


async def test_an_owner_bearer_token_alone_is_403(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    response = await client.post(f"/hosts/{host.uuid}/secret", headers=host.auth)
    error(response, 403, "forbidden")
    assert (await fetch(client, host))["uuid"] == host.uuid  # the token still works


async def test_another_hosts_bearer_token_is_403(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    response = await client.post(f"/hosts/{host.uuid}/secret", headers=other.auth)
    error(response, 403, "forbidden")
    await login(client, host.uuid, host.secret)


async def test_an_admin_token_may_rotate(
    client: httpx.AsyncClient, host: HostAccount, admin: dict[str, str]
) -> None:
    response = await client.post(f"/hosts/{host.uuid}/secret", headers=admin)
    assert response.status_code == 200
    secret = response.json()["secret"]
    await login(client, host.uuid, secret)
    error(await client.get(f"/hosts/{host.uuid}", headers=host.auth), 401, "unauthorized")


async def test_admin_rotating_an_unknown_host_is_404_not_found_other(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    response = await client.post(f"/hosts/{UNKNOWN_HOST}/secret", headers=admin)
    error(response, 404, "not_found_other")


async def test_a_wrong_basic_secret_is_401_and_changes_nothing(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    response = await client.post(f"/hosts/{host.uuid}/secret", auth=(host.uuid, "wrong"))
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Basic realm="lobbyd"'
    await login(client, host.uuid, host.secret)
    assert (await client.get(f"/hosts/{host.uuid}", headers=host.auth)).status_code == 200


async def test_another_hosts_basic_credentials_are_401(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount
) -> None:
    response = await client.post(f"/hosts/{host.uuid}/secret", auth=(other.uuid, other.secret))
    error(response, 401, "unauthorized")
    await login(client, host.uuid, host.secret)


async def test_no_credentials_is_401(client: httpx.AsyncClient, host: HostAccount) -> None:
    response = await client.post(f"/hosts/{host.uuid}/secret")
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Basic realm="lobbyd"'


async def test_rotating_an_unknown_host_is_404_not_found_this(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(f"/hosts/{UNKNOWN_HOST}/secret", auth=(UNKNOWN_HOST, "x"))
    error(response, 404, "not_found_this")


async def test_rotating_a_deleted_host_is_404_not_found_this(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    await delete(client, host)
    error(await rotate(client, host), 404, "not_found_this")


async def test_the_old_secret_cannot_rotate_again(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    await rotate(client, host)
    error(await rotate(client, host), 401, "unauthorized")


async def test_host_that_is_not_a_uuid_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/hosts/not-a-uuid/secret", auth=("a", "b"))
    assert response.status_code == 422


async def test_of_concurrent_rotations_with_one_secret_only_one_succeeds(
    client: httpx.AsyncClient, host: HostAccount
) -> None:
    responses = await asyncio.gather(*(rotate(client, host) for _ in range(5)))
    succeeded = [response for response in responses if response.status_code == 200]
    assert len(succeeded) == 1
    for response in responses:
        if response.status_code != 200:
            error(response, 401, "unauthorized")
    await login(client, host.uuid, succeeded[0].json()["secret"])
