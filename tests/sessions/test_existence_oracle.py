"""Nobody learns of a session it may not see: a private session is 404 no_session to
non-members whatever they try, exactly like an id that does not exist; only its host and admins
are told that a session ended, and why."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lobbyd.kit.clock import ManualClock
from tests.helpers import HostAccount, bearer, error, register
from tests.sessions.conftest import join, launch, open_to_all

TIMEOUT = 60.0
UNKNOWN = 999_999


async def _session(client: httpx.AsyncClient, visibility: str) -> tuple[HostAccount, int]:
    host = await register(client)
    await open_to_all(client, host)
    return host, (await launch(client, host, visibility=visibility))["session_id"]


def _calls(sid: int) -> dict[str, tuple[str, str, Any]]:
    return {
        "patch": ("PATCH", f"/sessions/{sid}", {"keywords": ["x"]}),
        "heartbeat": ("POST", f"/sessions/{sid}/heartbeat", None),
        "invite": ("POST", f"/sessions/{sid}/invites", {"player": "bob"}),
        "end": ("DELETE", f"/sessions/{sid}", None),
        "reserve": ("POST", f"/sessions/{sid}/reservations", {"player": "bob"}),
    }


@pytest.mark.parametrize("call", ["patch", "heartbeat", "invite", "end", "reserve"])
async def test_non_members_get_the_unknown_id_answer_for_a_private_session(
    client: httpx.AsyncClient, call: str
) -> None:
    _, sid = await _session(client, "private")
    stranger = await register(client)
    method, path, body = _calls(sid)[call]
    answer = await client.request(method, path, json=body, headers=stranger.auth)
    method, path, body = _calls(UNKNOWN)[call]
    unknown = await client.request(method, path, json=body, headers=stranger.auth)
    error(answer, 404, "no_session")
    assert answer.json() == unknown.json()


async def test_a_guest_of_a_private_session_still_gets_403(client: httpx.AsyncClient) -> None:
    host, sid = await _session(client, "private")
    guest = await register(client)
    assert (await join(client, guest, host.uuid, guest.uuid)).status_code == 200
    patch = await client.patch(f"/sessions/{sid}", json={"keywords": ["x"]}, headers=guest.auth)
    error(patch, 403, "forbidden")


async def test_non_members_of_an_open_session_still_get_403(client: httpx.AsyncClient) -> None:
    _, sid = await _session(client, "open")
    stranger = await register(client)
    patch = await client.patch(f"/sessions/{sid}", json={"keywords": ["x"]}, headers=stranger.auth)
    error(patch, 403, "forbidden")


async def test_an_ended_session_tells_its_host_why_and_others_nothing(
    client: httpx.AsyncClient, app: Any
) -> None:
    host, sid = await _session(client, "open")
    stranger = await register(client)
    assert (await client.delete(f"/sessions/{sid}", headers=host.auth)).status_code == 204
    admin = bearer(app.state.runtime.tokens.issue("admin", frozenset({"session:*"})))
    for auth in (host.auth, admin):
        for answer in (
            await client.get(f"/sessions/{sid}", headers=auth),
            await client.post(f"/sessions/{sid}/heartbeat", headers=auth),
        ):
            assert error(answer, 404, "session_ended")["reason"] == "ended_by_host"
    unknown = await client.get(f"/sessions/{UNKNOWN}", headers=stranger.auth)
    for answer in (
        await client.get(f"/sessions/{sid}", headers=stranger.auth),
        await client.post(f"/sessions/{sid}/heartbeat", headers=stranger.auth),
    ):
        error(answer, 404, "no_session")
        assert answer.json() == unknown.json()


async def test_a_timed_out_session_says_host_timeout_to_its_host(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    host, sid = await _session(client, "open")
    clock.advance(TIMEOUT + 1)
    first = await client.get(f"/sessions/{sid}", headers=host.auth)
    assert error(first, 404, "session_ended")["reason"] == "host_timeout"
    heartbeat = await client.post(f"/sessions/{sid}/heartbeat", headers=host.auth)
    assert error(heartbeat, 404, "session_ended")["reason"] == "host_timeout"


async def test_the_public_host_etag_ignores_the_owner_s_private_lists(
    client: httpx.AsyncClient,
) -> None:
    owner, stranger, friend = await register(client), await register(client), await register(client)

    async def public_tag() -> str:
        answer = await client.get(f"/hosts/{owner.uuid}", headers=stranger.auth)
        assert answer.status_code == 200
        return answer.headers["ETag"]

    before = await public_tag()
    await client.post(f"/hosts/{owner.uuid}/banlist?banned=griefer", headers=owner.auth)
    await client.post(f"/hosts/{owner.uuid}/friends?friend={friend.uuid}", headers=owner.auth)
    assert await public_tag() == before
    await client.put(
        f"/hosts/{owner.uuid}/only_friends", json={"only_friends": False}, headers=owner.auth
    )
    assert await public_tag() != before
