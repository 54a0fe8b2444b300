"""GET, PUT and PATCH of a session's source of truth over HTTP (CONTRACT section 7)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.helpers import bearer, error, register
from tests.sync.conftest import admin_token, new_guest, new_session

MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


async def test_host_reads_the_new_document_with_etag_v1(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    response = await client.get(f"/sync/{session.key}", headers=session.host.auth)
    assert response.status_code == 200
    assert response.json() == {"version": 1, "state": {}, "members": {session.host.uuid: {}}}
    assert response.headers["ETag"] == '"v1"'


async def test_guest_is_a_member_of_the_document_once_joined(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    document = (await client.get(f"/sync/{session.key}", headers=guest.auth)).json()
    assert document["members"] == {session.host.uuid: {}, guest.uuid: {}}
    assert document["version"] == 2


async def test_if_none_match_with_the_current_etag_is_304_until_a_write(
    client: httpx.AsyncClient,
) -> None:
    session = await new_session(client)
    url, auth = f"/sync/{session.key}", session.host.auth
    current = await client.get(url, headers={**auth, "If-None-Match": '"v1"'})
    assert current.status_code == 304
    assert current.headers["ETag"] == '"v1"'
    await client.put(url, json={"round": 1}, headers=auth)
    changed = await client.get(url, headers={**auth, "If-None-Match": '"v1"'})
    assert changed.status_code == 200
    assert changed.headers["ETag"] == '"v2"'


async def test_outsider_and_unknown_key_get_the_same_404(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    outsider = await register(client)
    known = error(await client.get(f"/sync/{session.key}", headers=outsider.auth), 404)
    unknown = error(await client.get("/sync/no-such-key", headers=outsider.auth), 404)
    assert known == unknown
    assert known["code"] == "no_document"


async def test_reading_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    response = await client.get(f"/sync/{session.key}")
    error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_admin_reads_and_writes_any_document(client: httpx.AsyncClient, app: FastAPI) -> None:
    session = await new_session(client)
    admin = bearer(admin_token(app))
    assert (await client.get(f"/sync/{session.key}", headers=admin)).status_code == 200
    written = await client.put(f"/sync/{session.key}", json={"by": "admin"}, headers=admin)
    assert written.json() == {"version": 2}


async def test_host_replaces_the_state(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    url, auth = f"/sync/{session.key}", session.host.auth
    response = await client.put(url, json={"map": "dust", "round": 1}, headers=auth)
    assert response.status_code == 200
    assert response.json() == {"version": 2}
    assert response.headers["ETag"] == '"v2"'
    assert (await client.get(url, headers=auth)).json()["state"] == {"map": "dust", "round": 1}


async def test_host_merges_a_patch_and_null_removes(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    url, auth = f"/sync/{session.key}", session.host.auth
    await client.put(url, json={"score": {"red": 1, "blue": 2}, "timer": 30}, headers=auth)
    patch = b'{"score": {"red": 5}, "timer": null}'
    response = await client.patch(url, content=patch, headers={**auth, **MERGE_PATCH})
    assert response.json() == {"version": 3}
    assert (await client.get(url, headers=auth)).json()["state"] == {"score": {"red": 5, "blue": 2}}


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
async def test_patch_not_sent_as_merge_patch_is_415(
    client: httpx.AsyncClient, content_type: str | None
) -> None:
    session = await new_session(client)
    headers = {**session.host.auth, **({"Content-Type": content_type} if content_type else {})}
    response = await client.patch(f"/sync/{session.key}", content=b"{}", headers=headers)
    error(response, 415, "unsupported_media_type")


async def test_put_of_a_non_json_media_type_is_415(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    headers = {**session.host.auth, "Content-Type": "application/x-www-form-urlencoded"}
    response = await client.put(f"/sync/{session.key}", content=b"a=1", headers=headers)
    error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", b'"text"', b"3", b"null", b"{not json", b'{"x": NaN}', b'{"x": 1e999}', b""],
    ids=["array", "string", "number", "null", "broken", "nan", "infinite", "empty"],
)
async def test_a_state_that_is_not_a_json_object_is_422(
    client: httpx.AsyncClient, body: bytes
) -> None:
    session = await new_session(client)
    headers = {**session.host.auth, "Content-Type": "application/json"}
    response = await client.put(f"/sync/{session.key}", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body"]


async def test_a_lone_surrogate_is_422(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    headers = {**session.host.auth, **MERGE_PATCH}
    body = b'{"name": "\\ud800"}'
    response = await client.patch(f"/sync/{session.key}", content=body, headers=headers)
    assert response.status_code == 422, response.text


async def test_if_match_with_the_current_etag_writes(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    headers = {**session.host.auth, "If-Match": '"v1"'}
    response = await client.put(f"/sync/{session.key}", json={"a": 1}, headers=headers)
    assert response.json() == {"version": 2}


@pytest.mark.parametrize("tag", ['"v1"', 'W/"v2"', "v2", '"2"', "garbage", '"v1", "v3"'])
async def test_if_match_naming_no_current_etag_is_412(client: httpx.AsyncClient, tag: str) -> None:
    session = await new_session(client)
    url, auth = f"/sync/{session.key}", session.host.auth
    await client.put(url, json={"a": 1}, headers=auth)
    response = await client.put(url, json={"a": 2}, headers={**auth, "If-Match": tag})
    error(response, 412, "precondition_failed")
    assert (await client.get(url, headers=auth)).json()["state"] == {"a": 1}


@pytest.mark.parametrize("tag", ["*", '"v1", "v2"'])
async def test_if_match_star_or_a_list_holding_the_current_etag_writes(
    client: httpx.AsyncClient, tag: str
) -> None:
    session = await new_session(client)
    url, auth = f"/sync/{session.key}", session.host.auth
    await client.put(url, json={"a": 1}, headers=auth)
    patch = {**auth, **MERGE_PATCH, "If-Match": tag}
    response = await client.patch(url, content=b'{"b": 2}', headers=patch)
    assert response.json() == {"version": 3}


async def test_stale_if_match_on_a_patch_is_412(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    url, auth = f"/sync/{session.key}", session.host.auth
    await client.put(url, json={"a": 1}, headers=auth)
    headers = {**auth, **MERGE_PATCH, "If-Match": '"v1"'}
    error(await client.patch(url, content=b'{"a": 3}', headers=headers), 412, "precondition_failed")


async def test_guest_may_not_write_the_state(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    url = f"/sync/{session.key}"
    error(await client.put(url, json={"cheat": True}, headers=guest.auth), 403, "forbidden")
    patch = {**guest.auth, **MERGE_PATCH}
    error(await client.patch(url, content=b"{}", headers=patch), 403, "forbidden")


async def test_outsider_writes_are_404_even_with_a_stale_if_match(
    client: httpx.AsyncClient,
) -> None:
    session = await new_session(client)
    outsider = await register(client)
    url, auth = f"/sync/{session.key}", {**outsider.auth, "If-Match": '"v9"'}
    error(await client.put(url, json={}, headers=auth), 404, "no_document")
    error(await client.patch(url, content=b"{}", headers={**auth, **MERGE_PATCH}), 404)
    member_url = f"{url}/members/{outsider.uuid}"
    error(await client.put(member_url, json={}, headers=auth), 404, "no_document")
    error(await client.put("/sync/unknown/members/x", json={}, headers=auth), 404, "no_document")


async def test_state_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    big = {"blob": "x" * (64 * 1024)}
    response = await client.put(f"/sync/{session.key}", json=big, headers=session.host.auth)
    error(response, 413, "too_large")


async def test_a_patch_that_would_grow_the_state_past_the_limit_is_413(
    client: httpx.AsyncClient,
) -> None:
    session = await new_session(client)
    url, auth = f"/sync/{session.key}", session.host.auth
    await client.put(url, json={"a": "x" * 40_000}, headers=auth)
    body = b'{"b": "' + b"y" * 40_000 + b'"}'
    error(await client.patch(url, content=body, headers={**auth, **MERGE_PATCH}), 413, "too_large")
    assert (await client.get(url, headers=auth)).json()["version"] == 2


async def test_a_body_over_max_body_is_413(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    body = b'{"a": "' + b"x" * (1024 * 1024) + b'"}'
    headers = {**session.host.auth, "Content-Type": "application/json"}
    error(await client.put(f"/sync/{session.key}", content=body, headers=headers), 413)


async def test_member_writes_its_own_document(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    url = f"/sync/{session.key}/members/{guest.uuid}"
    response = await client.put(url, json={"ready": True}, headers=guest.auth)
    assert response.json() == {"version": 3}
    assert response.headers["ETag"] == '"v3"'
    document = (await client.get(f"/sync/{session.key}", headers=session.host.auth)).json()
    assert document["members"][guest.uuid] == {"ready": True}


async def test_host_writes_its_own_member_document(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    url = f"/sync/{session.key}/members/{session.host.uuid.upper()}"
    response = await client.put(url, json={"team": "red"}, headers=session.host.auth)
    assert response.status_code == 200, response.text


async def test_member_may_not_write_another_members_document(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    url = f"/sync/{session.key}/members/{session.host.uuid}"
    error(await client.put(url, json={"hacked": True}, headers=guest.auth), 403, "forbidden")


async def test_member_document_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    url = f"/sync/{session.key}/members/{session.host.uuid}"
    big = {"notes": "x" * 5000}
    error(await client.put(url, json=big, headers=session.host.auth), 413, "too_large")


async def test_stale_if_match_on_a_member_document_is_412(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    url = f"/sync/{session.key}/members/{session.host.uuid}"
    headers = {**session.host.auth, "If-Match": '"v7"'}
    error(await client.put(url, json={}, headers=headers), 412, "precondition_failed")


async def test_after_the_session_ends_the_document_is_read_only(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    url, auth = f"/sync/{session.key}", session.host.auth
    await client.put(url, json={"final": 3}, headers=auth)
    ended = await client.delete(f"/sessions/{session.session_id}", headers=auth)
    assert ended.status_code == 204
    error(await client.put(url, json={}, headers=auth), 409, "session_ended")
    error(await client.patch(url, content=b"{}", headers={**auth, **MERGE_PATCH}), 409)
    member = await client.put(f"{url}/members/{session.host.uuid}", json={}, headers=auth)
    error(member, 409, "session_ended")
    document = await client.get(url, headers=auth)
    assert document.json()["state"] == {"final": 3}
    assert document.json()["version"] == 3


async def test_a_guest_who_left_can_no_longer_read(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    guest = await new_guest(client, session)
    left = await client.delete(
        f"/sessions/{session.session_id}/players/{guest.uuid}", headers=guest.auth
    )
    assert left.status_code == 204
    error(await client.get(f"/sync/{session.key}", headers=guest.auth), 404, "no_document")
    own = f"/sync/{session.key}/members/{guest.uuid}"
    error(await client.put(own, json={}, headers=guest.auth), 404, "no_document")


async def test_writes_answer_the_new_version_in_order(client: httpx.AsyncClient) -> None:
    session = await new_session(client)
    url, auth = f"/sync/{session.key}", session.host.auth
    versions = []
    for n in range(5):
        response = await client.patch(
            url, content=b'{"n": %d}' % n, headers={**auth, **MERGE_PATCH}
        )
        versions.append(response.json()["version"])
    assert versions == [2, 3, 4, 5, 6]
