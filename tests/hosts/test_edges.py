"""The edge of the service: body limits, error shapes, per-address rate limits."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from lobbyd.kit.clock import ManualClock
from tests.conftest import client_for
from tests.helpers import HostAccount, error, register
from tests.hosts.conftest import UNKNOWN_HOST

MAX_BODY = 1024
LEAKS = re.compile(
    r"Traceback|File \"|\bline \d+|sqlite3?\b|asyncpg|psycopg|sqlalchemy|IntegrityError"
    r"|\bSELECT\b|\bINSERT\b|\bUPDATE\b|\bDELETE FROM\b|\bWHERE\b|RETURNING",
    re.IGNORECASE,
)


def flag_body(size: int) -> bytes:
    """A valid only_friends body padded with whitespace to exactly `size` bytes."""
    body = b'{"only_friends": false}'
    return body[:-1] + b" " * (size - len(body)) + b"}"


async def chunks(body: bytes, size: int = 256) -> AsyncIterator[bytes]:
    """The body as a stream of chunks (sent without Content-Length)."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.fixture
async def small(make_app: Callable[..., Any]) -> FastAPI:
    """An app accepting bodies up to MAX_BODY bytes."""
    app: FastAPI = await make_app(max_body=MAX_BODY)
    return app


# Body size


async def test_body_over_the_limit_announced_by_content_length_is_413(small: FastAPI) -> None:
    async with client_for(small) as client:
        host = await register(client)
        response = await client.put(
            f"/hosts/{host.uuid}/only_friends",
            content=flag_body(MAX_BODY + 1),
            headers={**host.auth, "Content-Type": "application/json"},
        )
        error(response, 413, "too_large")
        assert (await client.get(f"/hosts/{host.uuid}", headers=host.auth)).json()[
            "only_friends"
        ] is True


async def test_streamed_body_over_the_limit_is_413(small: FastAPI) -> None:
    async with client_for(small) as client:
        host = await register(client)
        request = client.build_request(
            "PUT",
            f"/hosts/{host.uuid}/only_friends",
            content=chunks(flag_body(MAX_BODY + 1)),
            headers={**host.auth, "Content-Type": "application/json"},
        )
        assert "content-length" not in request.headers
        response = await client.send(request)
        error(response, 413, "too_large")
        assert (await client.get(f"/hosts/{host.uuid}", headers=host.auth)).json()[
            "only_friends"
        ] is True


async def test_body_of_exactly_the_limit_is_accepted(small: FastAPI) -> None:
    async with client_for(small) as client:
        host = await register(client)
        response = await client.put(
            f"/hosts/{host.uuid}/only_friends",
            content=flag_body(MAX_BODY),
            headers={**host.auth, "Content-Type": "application/json"},
        )
        assert response.status_code == 200
        assert response.json()["only_friends"] is False


async def test_streamed_body_of_exactly_the_limit_is_accepted(small: FastAPI) -> None:
    async with client_for(small) as client:
        host = await register(client)
        response = await client.put(
            f"/hosts/{host.uuid}/only_friends",
            content=chunks(flag_body(MAX_BODY)),
            headers={**host.auth, "Content-Type": "application/json"},
        )
        assert response.status_code == 200


async def test_oversized_content_length_is_413_on_any_route(small: FastAPI) -> None:
    async with client_for(small) as client:
        response = await client.post("/hosts", content=b"x" * (MAX_BODY + 1))
    error(response, 413, "too_large")


async def test_invalid_content_length_is_400(small: FastAPI) -> None:
    async with client_for(small) as client:
        host = await register(client)
        response = await client.put(
            f"/hosts/{host.uuid}/only_friends",
            content=b'{"only_friends": false}',
            headers={**host.auth, "Content-Type": "application/json", "Content-Length": "-1"},
        )
    error(response, 400, "bad_request")


# Error bodies


@pytest.mark.parametrize(
    "path", ["/nowhere", "/hosts/x/y/z/w", f"/hosts/{UNKNOWN_HOST}/nonsense", "/"]
)
async def test_unknown_path_is_404_message_and_code(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.json() == {"message": "not found", "code": "not_found"}
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/hosts"),
        ("PATCH", f"/hosts/{UNKNOWN_HOST}"),
        ("POST", f"/hosts/{UNKNOWN_HOST}/only_friends"),
        ("PUT", f"/hosts/{UNKNOWN_HOST}/friends"),
    ],
)
async def test_wrong_method_is_405_message_and_code(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 405
    assert response.json() == {"message": "method not allowed", "code": "method_not_allowed"}
    assert response.headers["Allow"]


async def test_unexpected_failure_is_500_without_details(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken() -> None:
        raise RuntimeError('INSERT INTO hosts failed: File "/srv/lobbyd/hosts/repository.py"')

    monkeypatch.setattr(app.state.hosts, "register", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://lobbyd.test") as client:
        response = await client.post("/hosts")
    assert response.status_code == 500
    assert response.json() == {"message": "internal error", "code": "internal"}


async def test_no_error_body_carries_a_stack_trace_or_sql(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(max_body=MAX_BODY, max_friends=1, max_banlist=1)
    limited = await make_app(login_rate=1)
    async with client_for(app) as client, client_for(limited) as throttled:
        host = await register(client)
        other = await register(client)
        third = await register(client)
        uri = f"/hosts/{host.uuid}"
        await client.post(f"{uri}/friends", params={"friend": other.uuid}, headers=host.auth)
        await client.post(f"{uri}/banlist", params={"banned": "griefer"}, headers=host.auth)
        responses = [
            await client.get(f"/hosts/{UNKNOWN_HOST}/access_token", auth=("a", "b")),
            await client.get(f"{uri}/access_token", auth=(host.uuid, "x")),
            await client.get(uri, headers={"Authorization": "Bearer x.y.z"}),
            await client.get(f"/hosts/{UNKNOWN_HOST}", headers=host.auth),
            await client.get(f"/hosts/{other.uuid}/nothing"),
            await client.delete("/hosts"),
            await client.put(
                f"/hosts/{other.uuid}/only_friends", json={"only_friends": True}, headers=host.auth
            ),
            await client.post(f"{uri}/friends", params={"friend": host.uuid}, headers=host.auth),
            await client.post(f"{uri}/friends", params={"friend": third.uuid}, headers=host.auth),
            await client.post(f"{uri}/friends", params={"friend": UNKNOWN_HOST}, headers=host.auth),
            await client.post(f"{uri}/banlist", params={"banned": host.uuid}, headers=host.auth),
            await client.post(f"{uri}/banlist", params={"banned": "troll"}, headers=host.auth),
            await client.delete(f"{uri}/banlist/nobody", headers=host.auth),
            await client.delete(f"{uri}/friends/{third.uuid}", headers=host.auth),
            await client.post(f"{uri}/secret", headers=host.auth),
            await client.put(
                f"{uri}/only_friends", content=b"x" * (MAX_BODY + 1), headers=host.auth
            ),
            await throttled.get(f"{uri}/access_token", auth=(host.uuid, "x")),
            await throttled.get(f"{uri}/access_token", auth=(host.uuid, "x")),
        ]
    statuses = {response.status_code for response in responses}
    assert statuses == {400, 401, 403, 404, 405, 413, 429}
    for response in responses:
        error(response, response.status_code)
        assert not LEAKS.search(response.text), response.text


# Rate limits


async def test_registration_past_the_limit_is_429_with_retry_after(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(register_rate=2)
    async with client_for(app) as client:
        assert (await client.post("/hosts")).status_code == 200
        assert (await client.post("/hosts")).status_code == 200
        response = await client.post("/hosts")
    error(response, 429, "rate_limited")
    assert 1 <= int(response.headers["Retry-After"]) <= 60


async def test_waiting_retry_after_seconds_is_enough(
    make_app: Callable[..., Any], clock: ManualClock
) -> None:
    app = await make_app(register_rate=2)
    async with client_for(app) as client:
        await client.post("/hosts")
        await client.post("/hosts")
        refused = await client.post("/hosts")
        clock.advance(int(refused.headers["Retry-After"]))
        assert (await client.post("/hosts")).status_code == 200


async def test_the_registration_limit_recovers_after_a_minute(
    make_app: Callable[..., Any], clock: ManualClock
) -> None:
    app = await make_app(register_rate=2)
    async with client_for(app) as client:
        for _ in range(3):
            await client.post("/hosts")
        clock.advance(60)
        assert (await client.post("/hosts")).status_code == 200
        assert (await client.post("/hosts")).status_code == 200
        assert (await client.post("/hosts")).status_code == 429


async def test_login_past_the_limit_is_429_with_retry_after(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(login_rate=2)
    async with client_for(app) as client:
        body = (await client.post("/hosts")).json()
        url, auth = f"/hosts/{body['uuid']}/access_token", (body["uuid"], body["secret"])
        assert (await client.get(url, auth=auth)).status_code == 200
        assert (await client.get(url, auth=auth)).status_code == 200
        response = await client.get(url, auth=auth)
    error(response, 429, "rate_limited")
    assert 1 <= int(response.headers["Retry-After"]) <= 60


async def test_failed_logins_count_against_the_limit(make_app: Callable[..., Any]) -> None:
    app = await make_app(login_rate=2)
    async with client_for(app) as client:
        body = (await client.post("/hosts")).json()
        url = f"/hosts/{body['uuid']}/access_token"
        for guess in ("guess-1", "guess-2"):
            assert (await client.get(url, auth=(body["uuid"], guess))).status_code == 401
        response = await client.get(url, auth=(body["uuid"], body["secret"]))
    error(response, 429, "rate_limited")


async def test_secret_rotation_attempts_count_against_the_login_limit(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(login_rate=2)
    async with client_for(app) as client:
        body = (await client.post("/hosts")).json()
        url = f"/hosts/{body['uuid']}/secret"
        for guess in ("guess-1", "guess-2"):
            assert (await client.post(url, auth=(body["uuid"], guess))).status_code == 401
        error(await client.post(url, auth=(body["uuid"], body["secret"])), 429, "rate_limited")


async def test_registration_and_login_have_separate_budgets(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(register_rate=1, login_rate=1)
    async with client_for(app) as client:
        body = (await client.post("/hosts")).json()
        response = await client.get(
            f"/hosts/{body['uuid']}/access_token", auth=(body["uuid"], body["secret"])
        )
    assert response.status_code == 200


async def test_each_client_address_has_its_own_budget(make_app: Callable[..., Any]) -> None:
    app = await make_app(register_rate=1)
    async with client_for(app, "198.51.100.1") as first, client_for(app, "198.51.100.2") as second:
        assert (await first.post("/hosts")).status_code == 200
        assert (await first.post("/hosts")).status_code == 429
        assert (await second.post("/hosts")).status_code == 200


async def test_forged_x_forwarded_for_does_not_get_around_the_limit(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(register_rate=2)
    async with client_for(app, "198.51.100.7") as client:
        statuses = [
            (await client.post("/hosts", headers={"X-Forwarded-For": f"203.0.113.{n}"})).status_code
            for n in range(3)
        ]
    assert statuses == [200, 200, 429]


async def test_forwarded_for_from_a_peer_that_is_not_a_trusted_proxy_is_ignored(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(register_rate=2, trusted_proxies=["10.0.0.0/8"])
    async with client_for(app, "198.51.100.7") as client:
        statuses = [
            (await client.post("/hosts", headers={"X-Forwarded-For": f"203.0.113.{n}"})).status_code
            for n in range(3)
        ]
    assert statuses == [200, 200, 429]


async def test_forwarded_clients_of_a_trusted_proxy_have_separate_budgets(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(register_rate=2, trusted_proxies=["10.0.0.0/8"])
    alice = {"X-Forwarded-For": "203.0.113.5"}
    bob = {"X-Forwarded-For": "203.0.113.6"}
    async with client_for(app, "10.0.0.1") as proxy:
        assert (await proxy.post("/hosts", headers=alice)).status_code == 200
        assert (await proxy.post("/hosts", headers=alice)).status_code == 200
        error(await proxy.post("/hosts", headers=alice), 429, "rate_limited")
        assert (await proxy.post("/hosts", headers=bob)).status_code == 200


async def test_a_hop_forged_before_a_trusted_proxy_is_not_believed(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(register_rate=2, trusted_proxies=["10.0.0.0/8"])
    async with client_for(app, "10.0.0.1") as proxy:
        statuses = [
            (
                await proxy.post("/hosts", headers={"X-Forwarded-For": f"192.0.2.{n}, 203.0.113.5"})
            ).status_code
            for n in range(3)
        ]
    assert statuses == [200, 200, 429]


async def test_proxied_clients_do_not_use_the_proxys_own_budget(
    make_app: Callable[..., Any],
) -> None:
    app = await make_app(register_rate=1, trusted_proxies=["10.0.0.1"])
    async with client_for(app, "10.0.0.1") as proxy:
        assert (await proxy.post("/hosts")).status_code == 200
        response = await proxy.post("/hosts", headers={"X-Forwarded-For": "203.0.113.5"})
    assert response.status_code == 200


async def test_limits_are_off_at_zero(make_app: Callable[..., Any]) -> None:
    app = await make_app(register_rate=0, login_rate=0)
    async with client_for(app) as client:
        host: HostAccount = await register(client)
        for _ in range(130):
            response = await client.get(
                f"/hosts/{host.uuid}/access_token", auth=(host.uuid, host.secret)
            )
            assert response.status_code == 200


async def test_a_proxy_that_appends_its_own_forwarded_for_line_is_believed_last(
    make_app: Callable[..., Any],
) -> None:
    # Some proxies (HAProxy's `option forwardfor`) add a header line of their own instead of
    # extending the client's; the lines form one list, in order (RFC 9110, section 5.3).
    app = await make_app(register_rate=2, trusted_proxies=["10.0.0.0/8"])
    async with client_for(app, "10.0.0.1") as proxy:
        statuses = [
            (
                await proxy.post(
                    "/hosts",
                    headers=[
                        ("X-Forwarded-For", f"192.0.2.{n}"),
                        ("X-Forwarded-For", "203.0.113.5"),
                    ],
                )
            ).status_code
            for n in range(3)
        ]
    assert statuses == [200, 200, 429]
