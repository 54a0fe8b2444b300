"""Every JSON body goes through one strict parser: NaN, Infinity, numbers beyond a double and
deep nesting are 422 (FastAPI's shape) on every route, never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.requests import Request

from lobbyd.app.errors import validation_error
from tests.helpers import HostAccount, register
from tests.sessions.conftest import launch, settings_overrides

__all__ = ["settings_overrides"]  # the sync routes run on both stores

#: Raw JSON values that used to reach validation (and a 500 rendering its error) or worse.
BAD_VALUES = {
    "NaN": "NaN",
    "Infinity": "Infinity",
    "1e999": "1e999",
    "2^64": str(2**64),
    "5000 digits": "9" * 5000,
    "33 deep": "[" * 33 + "]" * 33,
    "100000 deep": "[" * 100_000 + "]" * 100_000,
}


@dataclass
class Target:
    """One route with a JSON body, and where in that body the bad value goes."""

    method: str
    path: str
    body: Callable[[str], str]
    media: str = "application/json"


def _targets(host: HostAccount, session_id: int, key: str) -> dict[str, Target]:
    u = host.uuid
    link = '{"platform_session_type": "t", "platform_session_id_base64": "AA==", "custom_data": %s}'
    return {
        "only_friends": Target("PUT", f"/hosts/{u}/only_friends", '{"only_friends": %s}'.__mod__),
        "allow_nonames": Target(
            "PUT", f"/hosts/{u}/allow_nonames", '{"allow_nonames": %s}'.__mod__
        ),
        "launch": Target("POST", "/sessions", ('{"host": "' + u + '", "capacity": %s}').__mod__),
        "join": Target("POST", "/sessions/players", ('{"host": "' + u + '", "guest": %s}').__mod__),
        "update": Target("PATCH", f"/sessions/{session_id}", '{"keywords": %s}'.__mod__),
        "heartbeat": Target("POST", f"/sessions/{session_id}/heartbeat", '{"players": %s}'.__mod__),
        "invite": Target("POST", f"/sessions/{session_id}/invites", '{"player": %s}'.__mod__),
        "reserve": Target("POST", f"/sessions/{session_id}/reservations", '{"player": %s}'.__mod__),
        "platform link": Target(
            "PUT", f"/sessions/{session_id}/platform-sessions/Steam", link.__mod__
        ),
        "sync state": Target("PUT", f"/sync/{key}", '{"a": %s}'.__mod__),
        "sync patch": Target(
            "PATCH", f"/sync/{key}", '{"a": %s}'.__mod__, "application/merge-patch+json"
        ),
        "sync member": Target("PUT", f"/sync/{key}/members/{u}", '{"a": %s}'.__mod__),
    }


TARGETS = list(_targets(HostAccount("u", "s", "t"), 1, "k"))


def _json(host: HostAccount) -> dict[str, str]:
    return {**host.auth, "Content-Type": "application/json"}


@pytest.fixture
async def routes(client: httpx.AsyncClient) -> tuple[HostAccount, dict[str, Target]]:
    """A host with a session: every route with a body, aimed at things that exist."""
    host = await register(client)
    body = await launch(client, host)
    return host, _targets(host, body["session_id"], body["source_of_truth_key"])


@pytest.mark.parametrize("value", list(BAD_VALUES), ids=list(BAD_VALUES))
@pytest.mark.parametrize("route", TARGETS)
async def test_a_body_json_cannot_carry_is_422_on_every_route(
    client: httpx.AsyncClient,
    routes: tuple[HostAccount, dict[str, Target]],
    route: str,
    value: str,
) -> None:
    host, targets = routes
    target = targets[route]
    response = await client.request(
        target.method,
        target.path,
        content=target.body(BAD_VALUES[value]),
        headers={**host.auth, "Content-Type": target.media},
    )
    assert response.status_code == 422, response.text
    problem = response.json()["detail"][0]
    assert problem["type"] == "json_invalid"


async def test_the_reason_is_in_the_validation_error(
    client: httpx.AsyncClient, routes: tuple[HostAccount, dict[str, Target]]
) -> None:
    host, targets = routes
    target = targets["only_friends"]
    response = await client.put(
        target.path, content=target.body("[" * 40 + "]" * 40), headers=_json(host)
    )
    assert response.json()["detail"][0]["ctx"] == {
        "error": "arrays and objects nest deeper than 32 levels"
    }


async def test_a_body_at_the_depth_limit_reaches_validation(
    client: httpx.AsyncClient, routes: tuple[HostAccount, dict[str, Target]]
) -> None:
    host, targets = routes
    target = targets["only_friends"]
    deep = "[" * 31 + "]" * 31  # 32 levels with the body's own object
    response = await client.put(target.path, content=target.body(deep), headers=_json(host))
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "bool_type"


async def test_the_depth_limit_is_a_setting(make_app: Callable[..., Any]) -> None:
    app = await make_app(json_depth=8)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lobbyd.test") as client:
        host = await register(client)
        body = await launch(client, host)
        key = body["source_of_truth_key"]
        nine = "[" * 8 + "]" * 8  # with the state object itself: 9 levels
        refused = await client.put(f"/sync/{key}", content='{"a": ' + nine + "}", headers=host.auth)
        eight = "[" * 7 + "]" * 7
        kept = await client.put(f"/sync/{key}", content='{"a": ' + eight + "}", headers=host.auth)
    assert (refused.status_code, kept.status_code) == (422, 200)


async def test_a_validation_error_whose_input_json_cannot_carry_is_still_a_422(
    app: FastAPI,
) -> None:
    # Defence in depth behind the parser: pydantic itself reads "nan" into a float, for one.
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "app": app}
    error = RequestValidationError(
        [{"type": "bool_type", "loc": ("body", "x"), "msg": "bad", "input": float("nan")}]
    )
    response = await validation_error(Request(scope), error)
    assert response.status_code == 422
    assert json.loads(response.body)["detail"][0]["input"] == "nan"
