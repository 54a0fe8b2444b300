"""A secret rotation or the host's deletion revokes its tokens on every replica: at once on the
replica that did it, within LOBBYD_REVOCATION_CACHE seconds on the others (0: at once
everywhere)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lobbyd.kit.clock import ManualClock
from tests.conftest import client_for
from tests.helpers import bearer, register


async def _rotate(app: Any, uuid: str, secret: str) -> None:
    async with client_for(app) as client:
        response = await client.post(f"/hosts/{uuid}/secret", auth=(uuid, secret))
        assert response.status_code == 200


async def test_other_replicas_refuse_old_tokens_once_the_cache_expires(
    make_app: Callable[..., Any], clock: ManualClock
) -> None:
    rotating, other = await make_app(revocation_cache=1.0), await make_app(revocation_cache=1.0)
    async with client_for(other) as client:
        account = await register(client)
        path = f"/hosts/{account.uuid}"
        assert (await client.get(path, headers=bearer(account.token))).status_code == 200
        await _rotate(rotating, account.uuid, account.secret)
        clock.advance(1.1)
        assert (await client.get(path, headers=bearer(account.token))).status_code == 401


async def test_the_rotating_replica_refuses_old_tokens_at_once(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(revocation_cache=30.0)
    async with client_for(app) as client:
        account = await register(client)
        path = f"/hosts/{account.uuid}"
        assert (await client.get(path, headers=bearer(account.token))).status_code == 200
        await _rotate(app, account.uuid, account.secret)
        assert (await client.get(path, headers=bearer(account.token))).status_code == 401


async def test_without_the_cache_every_replica_refuses_at_once(
    make_app: Callable[..., Any],
) -> None:
    rotating, other = await make_app(revocation_cache=0), await make_app(revocation_cache=0)
    async with client_for(other) as client:
        account = await register(client)
        path = f"/hosts/{account.uuid}"
        assert (await client.get(path, headers=bearer(account.token))).status_code == 200
        await _rotate(rotating, account.uuid, account.secret)
        assert (await client.get(path, headers=bearer(account.token))).status_code == 401


async def _delete(app: Any, uuid: str, token: str) -> None:
    async with client_for(app) as client:
        response = await client.delete(f"/hosts/{uuid}", headers=bearer(token))
        assert response.status_code == 204


async def test_a_deleted_host_s_token_is_401_at_once_on_the_deleting_replica(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(revocation_cache=30.0)
    async with client_for(app) as client:
        account = await register(client)
        auth = bearer(account.token)
        assert (await client.get(f"/hosts/{account.uuid}", headers=auth)).status_code == 200
        await _delete(app, account.uuid, account.token)
        for method, path, body in (
            ("GET", f"/hosts/{account.uuid}", None),
            ("GET", "/hosts/access_token/renew", None),
            ("POST", "/sessions", {"host": account.uuid}),
            ("POST", "/sessions/players", {"host": account.uuid, "guest": "noname"}),
        ):
            response = await client.request(method, path, json=body, headers=auth)
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_a_deleted_host_s_token_is_401_on_other_replicas_once_the_cache_expires(
    make_app: Callable[..., Any], clock: ManualClock
) -> None:
    deleting, other = await make_app(revocation_cache=1.0), await make_app(revocation_cache=1.0)
    async with client_for(other) as client:
        account = await register(client)
        path = f"/hosts/{account.uuid}"
        assert (await client.get(path, headers=bearer(account.token))).status_code == 200
        await _delete(deleting, account.uuid, account.token)
        clock.advance(1.1)
        assert (await client.get(path, headers=bearer(account.token))).status_code == 401


async def test_within_the_cache_another_replica_answers_the_deleted_host_404_not_found_this(
    make_app: Callable[..., Any],
) -> None:
    deleting, other = await make_app(revocation_cache=30.0), await make_app(revocation_cache=30.0)
    async with client_for(other) as client:
        account = await register(client)
        path = f"/hosts/{account.uuid}"
        assert (await client.get(path, headers=bearer(account.token))).status_code == 200
        await _delete(deleting, account.uuid, account.token)
        response = await client.get(path, headers=bearer(account.token))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found_this"
