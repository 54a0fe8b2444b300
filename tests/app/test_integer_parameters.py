"""Every integer a request names is bounded before it reaches a database or a store: ids past
64 bits are 422 on every route and both databases, never a driver's overflow (500)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from lobbyd.kit.ids import MAX_ID
from tests.helpers import HostAccount, register
from tests.sessions.conftest import launch
from tests.sync.conftest import Served, refusal, served

__all__ = ["served"]

TOO_BIG = [MAX_ID + 1, 2**64, 10**30]


def _integer_routes(app: FastAPI) -> list[tuple[str, str, list[str]]]:
    """(method, path template, integer path parameters) of every operation that has one."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            names = [
                parameter["name"]
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "path" and parameter["schema"].get("type") == "integer"
            ]
            if names:
                found.append((method.upper(), path, names))
    return found


def _filled(path: str, integers: list[str], value: int, host: HostAccount) -> str:
    for name in integers:
        path = path.replace("{" + name + "}", str(value))
    fillers = {"platform": "Steam", "host": host.uuid}
    return re.sub(r"\{([^}]+)\}", lambda match: fillers.get(match[1], "someone"), path)


async def test_every_integer_path_parameter_declares_the_bound(app: FastAPI) -> None:
    routes = _integer_routes(app)
    assert len(routes) >= 12  # sessions, members, heartbeat, invites, reservations, platforms
    for _, path, names in routes:
        operation_parameters = [
            parameter
            for operation in app.openapi()["paths"][path].values()
            for parameter in operation.get("parameters", [])
            if parameter["name"] in names
        ]
        assert all(p["schema"]["maximum"] == MAX_ID for p in operation_parameters), path


@pytest.mark.parametrize("value", TOO_BIG, ids=["2^63", "2^64", "10^30"])
async def test_ids_beyond_64_bits_are_422_on_every_route(
    app: FastAPI, client: httpx.AsyncClient, value: int
) -> None:
    host = await register(client)
    await launch(client, host)
    answers: dict[str, Any] = {}
    for method, path, names in _integer_routes(app):
        url = _filled(path, names, value, host)
        response = await client.request(method, url, json={}, headers=host.auth)
        answers[f"{method} {path}"] = response.status_code
    assert set(answers.values()) == {422}, answers


async def test_the_largest_id_is_an_ordinary_404(client: httpx.AsyncClient) -> None:
    host = await register(client)
    response = await client.get(f"/sessions/{MAX_ID}", headers=host.auth)
    assert (response.status_code, response.json()["code"]) == (404, "no_session")


@pytest.mark.parametrize("since", [str(MAX_ID + 1), "9" * 5000, "\uff11\uff12"])
async def test_a_socket_since_beyond_64_bits_is_refused_as_malformed(
    client: httpx.AsyncClient, served: Served, since: str
) -> None:
    host = await register(client)
    key = (await launch(client, host))["source_of_truth_key"]
    closed = await refusal(served.socket_url(key, since=since), additional_headers=host.auth)
    assert closed == (4422, "validation_error")


@pytest.mark.parametrize(
    "tag",
    ['"v' + "9" * 5000 + '"', '"v' + str(MAX_ID + 1) + '"', b'"v\xb2"'],
    ids=["5000 digits", "2^63", "superscript two"],
)
async def test_an_if_match_version_no_document_can_have_is_412(
    client: httpx.AsyncClient, tag: str | bytes
) -> None:
    host = await register(client)
    key = (await launch(client, host))["source_of_truth_key"]
    response = await client.put(f"/sync/{key}", json={}, headers={**host.auth, "If-Match": tag})
    assert (response.status_code, response.json()["code"]) == (412, "precondition_failed")
