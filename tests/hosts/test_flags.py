"""PUT /hosts/{host}/only_friends and PUT /hosts/{host}/allow_nonames."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import HostAccount, error
from tests.hosts.conftest import UNKNOWN_HOST, delete, fetch

FLAGS = ["only_friends", "allow_nonames"]
DEFAULTS = {"only_friends": True, "allow_nonames": False}

pytestmark = pytest.mark.parametrize("flag", FLAGS)


async def test_setting_a_flag_returns_the_updated_host(
    client: httpx.AsyncClient, host: HostAccount, flag: str
) -> None:
    value = not DEFAULTS[flag]
    response = await client.put(f"/hosts/{host.uuid}/{flag}", json={flag: value}, headers=host.auth)
    assert response.status_code == 200
    assert response.json() == {
        **DEFAULTS,
        "uuid": host.uuid,
        flag: value,
        "friends": [],
        "banlist": [],
    }


async def test_a_set_flag_is_kept(client: httpx.AsyncClient, host: HostAccount, flag: str) -> None:
    value = not DEFAULTS[flag]
    await client.put(f"/hosts/{host.uuid}/{flag}", json={flag: value}, headers=host.auth)
    assert (await fetch(client, host))[flag] is value


async def test_a_flag_can_be_set_back(
    client: httpx.AsyncClient, host: HostAccount, flag: str
) -> None:
    url = f"/hosts/{host.uuid}/{flag}"
    await client.put(url, json={flag: not DEFAULTS[flag]}, headers=host.auth)
    response = await client.put(url, json={flag: DEFAULTS[flag]}, headers=host.auth)
    assert response.json()[flag] is DEFAULTS[flag]


async def test_setting_one_flag_leaves_the_other_alone(
    client: httpx.AsyncClient, host: HostAccount, flag: str
) -> None:
    (other_flag,) = set(FLAGS) - {flag}
    await client.put(
        f"/hosts/{host.uuid}/{flag}", json={flag: not DEFAULTS[flag]}, headers=host.auth
    )
    assert (await fetch(client, host))[other_flag] is DEFAULTS[other_flag]


@pytest.mark.parametrize("value", ["true", "false", 1, 0, None, [], {}])
async def test_a_non_boolean_is_422(
    client: httpx.AsyncClient, host: HostAccount, flag: str, value: object
) -> None:
    response = await client.put(f"/hosts/{host.uuid}/{flag}", json={flag: value}, headers=host.auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", flag]
    assert (await fetch(client, host))[flag] is DEFAULTS[flag]


async def test_an_unknown_field_is_422(
    client: httpx.AsyncClient, host: HostAccount, flag: str
) -> None:
    body = {flag: not DEFAULTS[flag], "friends": ["x"]}
    response = await client.put(f"/hosts/{host.uuid}/{flag}", json=body, headers=host.auth)
    assert response.status_code == 422
    assert (await fetch(client, host))[flag] is DEFAULTS[flag]


async def test_the_other_flag_name_is_422(
    client: httpx.AsyncClient, host: HostAccount, flag: str
) -> None:
    (other_flag,) = set(FLAGS) - {flag}
    response = await client.put(
        f"/hosts/{host.uuid}/{flag}", json={other_flag: True}, headers=host.auth
    )
    assert response.status_code == 422


async def test_a_missing_body_is_422(
    client: httpx.AsyncClient, host: HostAccount, flag: str
) -> None:
    response = await client.put(f"/hosts/{host.uuid}/{flag}", headers=host.auth)
    assert response.status_code == 422


async def test_an_empty_object_is_422(
    client: httpx.AsyncClient, host: HostAccount, flag: str
) -> None:
    response = await client.put(f"/hosts/{host.uuid}/{flag}", json={}, headers=host.auth)
    assert response.status_code == 422


async def test_malformed_json_is_422(
    client: httpx.AsyncClient, host: HostAccount, flag: str
) -> None:
    response = await client.put(
        f"/hosts/{host.uuid}/{flag}",
        content=b'{"' + flag.encode() + b'": tru',
        headers={**host.auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 422


async def test_another_hosts_flag_is_403(
    client: httpx.AsyncClient, host: HostAccount, other: HostAccount, flag: str
) -> None:
    response = await client.put(
        f"/hosts/{other.uuid}/{flag}", json={flag: not DEFAULTS[flag]}, headers=host.auth
    )
    error(response, 403, "forbidden")
    assert (await fetch(client, other))[flag] is DEFAULTS[flag]


async def test_without_a_token_is_401(
    client: httpx.AsyncClient, host: HostAccount, flag: str
) -> None:
    response = await client.put(f"/hosts/{host.uuid}/{flag}", json={flag: not DEFAULTS[flag]})
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_own_deleted_host_s_token_is_401(
    client: httpx.AsyncClient, host: HostAccount, flag: str
) -> None:
    await delete(client, host)
    response = await client.put(
        f"/hosts/{host.uuid}/{flag}", json={flag: not DEFAULTS[flag]}, headers=host.auth
    )
    error(response, 401, "unauthorized")


async def test_admin_may_set_any_hosts_flag(
    client: httpx.AsyncClient, host: HostAccount, admin: dict[str, str], flag: str
) -> None:
    value = not DEFAULTS[flag]
    response = await client.put(f"/hosts/{host.uuid}/{flag}", json={flag: value}, headers=admin)
    assert response.status_code == 200
    assert (await fetch(client, host))[flag] is value


async def test_admin_on_an_unknown_host_is_404_not_found_other(
    client: httpx.AsyncClient, admin: dict[str, str], flag: str
) -> None:
    response = await client.put(
        f"/hosts/{UNKNOWN_HOST}/{flag}", json={flag: not DEFAULTS[flag]}, headers=admin
    )
    error(response, 404, "not_found_other")


async def test_host_that_is_not_a_uuid_is_422(
    client: httpx.AsyncClient, host: HostAccount, flag: str
) -> None:
    response = await client.put(f"/hosts/nope/{flag}", json={flag: True}, headers=host.auth)
    assert response.status_code == 422
