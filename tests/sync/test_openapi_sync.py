"""The sync routes in /openapi.json: every status they can answer, and their bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from lobbyd.app import create_app
from lobbyd.config import Settings
from tests.conftest import JWT_SECRET

WRITE = {200, 401, 403, 404, 409, 412, 413, 415, 422, 503}
EXPECTED = {
    ("get", "/sync/{key}"): {200, 304, 401, 404, 422, 503},
    ("put", "/sync/{key}"): WRITE,
    ("patch", "/sync/{key}"): WRITE,
    ("put", "/sync/{key}/members/{player}"): WRITE,
}
BODIES = {
    ("put", "/sync/{key}"): "application/json",
    ("patch", "/sync/{key}"): "application/merge-patch+json",
    ("put", "/sync/{key}/members/{player}"): "application/json",
}


@pytest.fixture(scope="module")
async def openapi() -> AsyncIterator[dict[str, Any]]:
    """The served OpenAPI document of an app that is not started."""
    app = create_app(Settings(database_url="sqlite:///unused.sqlite3", jwt_secret=JWT_SECRET))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lobbyd.test") as client:
        yield (await client.get("/openapi.json")).json()


def _operation(openapi: dict[str, Any], key: tuple[str, str]) -> dict[str, Any]:
    method, path = key
    operation: dict[str, Any] = openapi["paths"][path][method]
    return operation


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=" ".join)
async def test_each_sync_operation_declares_every_status_it_can_answer(
    openapi: dict[str, Any], key: tuple[str, str]
) -> None:
    declared = {int(status) for status in _operation(openapi, key)["responses"]}
    assert EXPECTED[key] <= declared, sorted(EXPECTED[key] - declared)


@pytest.mark.parametrize("key", sorted(BODIES), ids=" ".join)
async def test_each_write_declares_its_body_media_type(
    openapi: dict[str, Any], key: tuple[str, str]
) -> None:
    body = _operation(openapi, key)["requestBody"]
    assert body["required"] is True
    assert list(body["content"]) == [BODIES[key]]


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=" ".join)
async def test_each_sync_operation_needs_a_bearer_token(
    openapi: dict[str, Any], key: tuple[str, str]
) -> None:
    assert _operation(openapi, key).get("security")


async def test_writes_answer_the_version_and_its_etag(openapi: dict[str, Any]) -> None:
    ok = _operation(openapi, ("patch", "/sync/{key}"))["responses"]["200"]
    assert "ETag" in ok["headers"]
    schema = ok["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[1]
    assert set(openapi["components"]["schemas"][name]["properties"]) == {"version"}
