"""Error messages are sentences for people; codes stay stable for programs."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.helpers import register

JSON_ADVICE = "the body must be JSON, sent with content-type: application/json"


async def test_an_unknown_host_at_login_is_explained(client: httpx.AsyncClient) -> None:
    nobody = str(uuid.uuid4())
    response = await client.get(f"/hosts/{nobody}/access_token", auth=(nobody, "secret"))
    assert response.status_code == 404
    assert response.json() == {
        "message": "this host does not exist (never registered, or deleted)",
        "code": "not_found_this",
    }


async def test_an_unknown_friend_is_explained(client: httpx.AsyncClient) -> None:
    host = await register(client)
    response = await client.post(
        f"/hosts/{host.uuid}/friends", params={"friend": str(uuid.uuid4())}, headers=host.auth
    )
    assert response.status_code == 404
    assert response.json() == {
        "message": "the host or list entry this request names does not exist",
        "code": "not_found_other",
    }


@pytest.mark.parametrize(
    ("content_type", "said"),
    [
        (None, "no content-type"),
        ("application/x-www-form-urlencoded", "content-type: application/x-www-form-urlencoded"),
        ("text/plain; charset=utf-8", "content-type: text/plain"),
    ],
)
async def test_a_json_body_without_its_content_type_says_what_to_send(
    client: httpx.AsyncClient, content_type: str | None, said: str
) -> None:
    host = await register(client)
    headers = host.auth if content_type is None else {**host.auth, "content-type": content_type}
    body = json.dumps({"host": host.uuid}).encode()
    response = await client.post("/sessions", content=body, headers=headers)
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body"]
    assert problem["msg"] == f"{JSON_ADVICE} (the request sent {said})"


async def test_a_json_body_that_is_not_an_object_says_so(client: httpx.AsyncClient) -> None:
    host = await register(client)
    response = await client.post("/sessions", json=[host.uuid], headers=host.auth)
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert (problem["loc"], problem["msg"]) == (["body"], "the body must be a JSON object")


async def test_a_missing_body_says_one_is_required(client: httpx.AsyncClient) -> None:
    host = await register(client)
    headers = {**host.auth, "content-type": "application/json"}
    response = await client.post("/sessions", headers=headers)
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert (problem["loc"], problem["msg"]) == (["body"], "a JSON object body is required")


async def test_other_validation_errors_keep_fastapis_words(client: httpx.AsyncClient) -> None:
    host = await register(client)
    response = await client.post(
        "/sessions", json={"host": host.uuid, "capacity": "many"}, headers=host.auth
    )
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "capacity"]
    assert problem["type"] == "int_parsing"
