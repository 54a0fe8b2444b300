"""Invites: the host invites, the invitee declines, the host revokes, joining consumes."""

from __future__ import annotations

import httpx

from lobbyd.kit.clock import ManualClock, rfc3339
from tests.directory.conftest import TIMEOUT, hosted, invite, joined, player_sessions
from tests.helpers import error, register
from tests.sessions.conftest import join


async def _invites(client: httpx.AsyncClient, caller: dict[str, str], sid: int) -> list[str]:
    response = await client.get(f"/sessions/{sid}/invites", headers=caller)
    assert response.status_code == 200, response.text
    return [item["player"] for item in response.json()]


async def test_host_invites_a_player_201(client: httpx.AsyncClient, clock: ManualClock) -> None:
    session = await hosted(client)
    guest = await register(client)
    response = await invite(client, session.auth, session.session_id, guest.uuid)
    assert response.status_code == 201
    assert response.json() == {
        "session_id": session.session_id,
        "player": guest.uuid,
        "inviting_player_uuid": session.uuid,
        "created_at": rfc3339(clock.now()),
    }


async def test_inviting_again_is_200_and_keeps_the_first_invite(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    session = await hosted(client)
    first = (await invite(client, session.auth, session.session_id, "bob")).json()
    clock.advance(5)
    again = await invite(client, session.auth, session.session_id, "bob")
    assert again.status_code == 200
    assert again.json() == first


async def test_invite_lets_a_stranger_past_only_friends(client: httpx.AsyncClient) -> None:
    session = await hosted(client, open_=False)  # only_friends=true by default
    guest = await register(client)
    error(await join(client, guest, session.uuid, guest.uuid), 404, "not_welcome")
    await invite(client, session.auth, session.session_id, guest.uuid)
    assert (await join(client, guest, session.uuid, guest.uuid)).status_code == 200


async def test_invite_lets_a_noname_past_allow_nonames(client: httpx.AsyncClient) -> None:
    session = await hosted(client, open_=False)
    await client.put(
        f"/hosts/{session.uuid}/only_friends", json={"only_friends": False}, headers=session.auth
    )
    error(await join(client, session.host, session.uuid, "Nomad"), 404, "not_welcome")
    await invite(client, session.auth, session.session_id, "Nomad")
    assert (await join(client, session.host, session.uuid, "Nomad")).status_code == 200


async def test_inviting_a_banned_player_is_400_player_banned(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    await client.post(
        f"/hosts/{session.uuid}/banlist", params={"banned": "griefer"}, headers=session.auth
    )
    response = await invite(client, session.auth, session.session_id, "griefer")
    error(response, 400, "player_banned")


async def test_an_invite_never_lets_a_player_banned_later_in(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    guest = await register(client)
    await invite(client, session.auth, session.session_id, guest.uuid)
    await client.post(
        f"/hosts/{session.uuid}/banlist", params={"banned": guest.uuid}, headers=session.auth
    )
    error(await join(client, guest, session.uuid, guest.uuid), 404, "not_welcome")
    assert await _invites(client, session.auth, session.session_id) == []


async def test_inviting_the_host_itself_is_400(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    error(
        await invite(client, session.auth, session.session_id, session.uuid), 400, "guest_is_host"
    )


async def test_inviting_a_member_is_400_already_member(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    await joined(client, session, "p2")
    error(await invite(client, session.auth, session.session_id, "p2"), 400, "already_member")


async def test_only_the_host_invites(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    guest = await register(client)
    await joined(client, session, guest)
    error(await invite(client, guest.auth, session.session_id, "friend-of-guest"), 403)


async def test_admin_invites_on_the_hosts_behalf(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    session = await hosted(client)
    response = await invite(client, admin, session.session_id, "bob")
    assert response.status_code == 201
    assert response.json()["inviting_player_uuid"] == session.uuid


async def test_invitee_declines_and_is_no_longer_welcome(client: httpx.AsyncClient) -> None:
    session = await hosted(client, open_=False)
    guest = await register(client)
    await invite(client, session.auth, session.session_id, guest.uuid)
    path = f"/sessions/{session.session_id}/invites/{guest.uuid}"
    assert (await client.delete(path, headers=guest.auth)).status_code == 204
    error(await join(client, guest, session.uuid, guest.uuid), 404, "not_welcome")


async def test_host_revokes_an_invite(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    await invite(client, session.auth, session.session_id, "bob")
    path = f"/sessions/{session.session_id}/invites/bob"
    assert (await client.delete(path, headers=session.auth)).status_code == 204
    assert await _invites(client, session.auth, session.session_id) == []


async def test_someone_else_cannot_delete_an_invite(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    stranger = await register(client)
    await invite(client, session.auth, session.session_id, "bob")
    path = f"/sessions/{session.session_id}/invites/bob"
    error(await client.delete(path, headers=stranger.auth), 403)


async def test_deleting_a_missing_invite_is_404_no_invite(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    path = f"/sessions/{session.session_id}/invites/bob"
    error(await client.delete(path, headers=session.auth), 404, "no_invite")


async def test_joining_consumes_the_invite(client: httpx.AsyncClient) -> None:
    session = await hosted(client, open_=False)
    guest = await register(client)
    await invite(client, session.auth, session.session_id, guest.uuid)
    await joined(client, session, guest)
    assert await _invites(client, session.auth, session.session_id) == []
    mine = await player_sessions(client, guest.auth, guest.uuid)
    assert mine["sessions"]["default"]["pending_invites"] == {}
    assert mine["sessions"]["default"]["session_ids"] == [session.session_id]


async def test_invite_to_an_unknown_session_is_404(client: httpx.AsyncClient) -> None:
    host = await register(client)
    error(await invite(client, host.auth, 999_999, "bob"), 404, "no_session")


async def test_invite_to_an_ended_session_is_404(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    await client.delete(f"/sessions/{session.session_id}", headers=session.auth)
    answer = await invite(client, session.auth, session.session_id, "bob")
    assert error(answer, 404, "session_ended")["reason"] == "ended_by_host"


async def test_invite_to_a_session_whose_host_timed_out_is_404(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    session = await hosted(client)
    clock.advance(TIMEOUT + 1)
    answer = await invite(client, session.auth, session.session_id, "bob")
    assert error(answer, 404, "session_ended")["reason"] == "host_timeout"


async def test_invite_body_is_validated(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    url = f"/sessions/{session.session_id}/invites"
    for body in ({}, {"player": ""}, {"player": "x" * 129}, {"player": "a\nb"}, {"player": 7}):
        response = await client.post(url, json=body, headers=session.auth)
        assert response.status_code == 422, body
    extra = {"player": "bob", "message": "hi"}
    assert (await client.post(url, json=extra, headers=session.auth)).status_code == 422


async def test_a_uuid_is_invited_in_its_canonical_spelling(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    guest = await register(client)
    response = await invite(client, session.auth, session.session_id, guest.uuid.upper())
    assert response.json()["player"] == guest.uuid


async def test_only_the_host_lists_invites(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    stranger = await register(client)
    await invite(client, session.auth, session.session_id, "bob")
    await invite(client, session.auth, session.session_id, "amy")
    assert await _invites(client, session.auth, session.session_id) == ["amy", "bob"]
    error(await client.get(f"/sessions/{session.session_id}/invites", headers=stranger.auth), 403)


async def test_invites_need_a_token(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    response = await client.post(f"/sessions/{session.session_id}/invites", json={"player": "b"})
    error(response, 401)
