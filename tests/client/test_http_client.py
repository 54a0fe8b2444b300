"""LobbydClient: the whole HTTP flow a game tool goes through, and its errors."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI

from lobbyd_client import (
    ApiError,
    Credentials,
    Document,
    HeartbeatAnswer,
    Host,
    HostPublic,
    IceAnswer,
    IceServer,
    Invite,
    Joined,
    LobbydClient,
    Member,
    PendingInvite,
    PlatformSession,
    QueryResult,
    Reservation,
    Session,
    SessionPublic,
    SessionRef,
    Token,
    Welcome,
)
from tests.client.conftest import in_process


@asynccontextmanager
async def host_client(app: FastAPI) -> AsyncIterator[tuple[LobbydClient, str]]:
    """A client logged in as a new host, open to everyone; and the host's uuid."""
    async with in_process(app) as lobby:
        credentials = await lobby.register()
        await lobby.login(credentials.uuid, credentials.secret)
        await lobby.set_only_friends(credentials.uuid, False)
        await lobby.set_allow_nonames(credentials.uuid, True)
        yield lobby, credentials.uuid


async def test_register_login_launch_join_and_sync(app: FastAPI) -> None:
    async with host_client(app) as (host, host_id), host_client(app) as (guest, guest_id):
        launched = await host.launch(host_id, capacity=4, labels={"map": "dust"})
        assert launched.created
        again = await host.launch(host_id)
        assert (again.created, again.session_id) == (False, launched.session_id)
        joined = await guest.join(host_id, guest_id)
        assert isinstance(joined, Joined)
        assert not hasattr(joined, "created")  # a join creates nothing; a launch may
        assert isinstance(launched, SessionRef)
        assert joined.session_id == launched.session_id
        assert joined.source_of_truth_key == launched.source_of_truth_key
        assert joined.ticket.count(".") == 2  # a JWT
        key = launched.source_of_truth_key
        assert await host.put_state(key, {"round": 1}) == 3
        assert await host.patch_state(key, {"score": {"red": 1}}, if_version=3) == 4
        assert await guest.put_member(key, guest_id, {"ready": True}) == 5
        document = await guest.get_document(key)
    assert document == Document(
        5, {"round": 1, "score": {"red": 1}}, {host_id: {}, guest_id: {"ready": True}}
    )


async def test_sessions_calls(app: FastAPI) -> None:
    async with (
        host_client(app) as (host, host_id),
        host_client(app) as (guest, guest_id),
        host_client(app) as (outsider, _),
    ):
        session = await host.launch(host_id)
        await guest.join(host_id, guest_id)
        view = await host.update_session(
            session.session_id, keywords=["eu"], connection={"address": "203.0.113.7"}
        )
        assert isinstance(view, Session)
        assert (view.keywords, view.connection.address if view.connection else None) == (
            ["eu"],
            "203.0.113.7",
        )
        beat = await host.heartbeat(session.session_id, ["noname"])
        assert isinstance(beat, HeartbeatAnswer)
        assert beat.timeout > 0
        seen = await host.get_session(session.session_id)
        assert isinstance(seen, Session)
        assert [(m.player, m.role) for m in seen.members] == [
            (host_id, "host"),
            (guest_id, "guest"),
        ]
        assert all(isinstance(m, Member) for m in seen.members)
        public = await guest.get_session(session.session_id)
        assert isinstance(public, Session)  # a member sees the member view
        assert public.source_of_truth_key == session.source_of_truth_key
        outside = await outsider.get_session(session.session_id)
        assert type(outside) is SessionPublic  # no key, members or connection for others
        assert (outside.view, outside.accepted, outside.keywords) == ("public", 2, ["eu"])
        await guest.remove_player(session.session_id, guest_id)
        await host.end_session(session.session_id)
        with pytest.raises(ApiError) as ended:
            await host.get_session(session.session_id)
    assert (ended.value.status, ended.value.code) == (404, "session_ended")


async def test_hosts_calls(app: FastAPI) -> None:
    async with host_client(app) as (host, host_id), host_client(app) as (_, friend_id):
        befriended = await host.befriend(host_id, friend_id)
        assert isinstance(befriended, Host)
        assert friend_id in befriended.friends
        assert friend_id not in (await host.unfriend(host_id, friend_id)).friends
        assert "x/y" in (await host.ban(host_id, "x/y")).banlist
        assert "x/y" not in (await host.unban(host_id, "x/y")).banlist
        own = await host.get_host(host_id)
        assert isinstance(own, Host)
        assert (own.uuid, own.only_friends, own.allow_nonames) == (host_id, False, True)
        other = await host.get_host(friend_id)
        assert type(other) is HostPublic  # others see no friends or banlist
        assert other.uuid == friend_id
        token = await host.renew()
        assert isinstance(token, Token)
        assert token.token == host.token
        assert token.expires_in > 0
        await host.delete_host(host_id)
        with pytest.raises(ApiError) as gone:
            await host.get_host(host_id)
    assert gone.value.status in (401, 404)


async def test_secret_rotation_and_welcome_check(app: FastAPI) -> None:
    async with in_process(app) as lobby:
        first = await lobby.register()
        old_token = await lobby.login(first.uuid, first.secret)
        assert await lobby.welcome(first.uuid, "x/y") == Welcome(
            welcome=False, reason="not_a_friend"
        )
        await lobby.ban(first.uuid, "x/y")
        assert await lobby.welcome(first.uuid, "x/y") == Welcome(welcome=False, reason="banned")
        rotated = await lobby.rotate_secret(first.uuid, first.secret)
        assert (rotated.uuid, rotated.secret != first.secret) == (first.uuid, True)
        with pytest.raises(ApiError) as revoked:
            await lobby.renew()
        with pytest.raises(ApiError) as old_secret:
            await lobby.login(first.uuid, first.secret)
        assert (await lobby.login(first.uuid, rotated.secret)).token != old_token.token
    assert (revoked.value.status, old_secret.value.status) == (401, 401)


async def test_invites_reservations_and_player_sessions(app: FastAPI) -> None:
    async with host_client(app) as (host, host_id), host_client(app) as (guest, guest_id):
        session = (await host.launch(host_id, type="ranked")).session_id
        invite = await host.invite(session, guest_id)
        assert isinstance(invite, Invite)
        assert (invite.player, invite.inviting_player_uuid) == (guest_id, host_id)
        assert await host.invites(session) == [invite]
        mine = (await guest.player_sessions(guest_id)).sessions["ranked"]
        assert mine.pending_invites == {
            str(session): PendingInvite(session_id=session, inviting_player_uuid=host_id)
        }
        await guest.remove_invite(session, guest_id)
        assert await host.invites(session) == []
        seat = await host.reserve(session, "Nomad")
        assert isinstance(seat, Reservation)
        assert (seat.session_id, seat.player) == (session, "Nomad")
        await host.remove_reservation(session, "Nomad")
        with pytest.raises(ApiError) as gone:
            await host.remove_reservation(session, "Nomad")
    assert (gone.value.status, gone.value.code) == (404, "no_reservation")


async def test_query_pages_through_every_session(app: FastAPI) -> None:
    async with (
        host_client(app) as (one, one_id),
        host_client(app) as (two, two_id),
        host_client(app) as (three, three_id),
    ):
        launched = [
            (await client.launch(host, keywords=["pages"])).session_id
            for client, host in ((one, one_id), (two, two_id), (three, three_id))
        ]
        page = await one.query_sessions(keyword="pages", take=2, type=None)
        found = [s async for s in one.iter_sessions(keyword="pages", take=1)]
        mine = await one.query_sessions(player=one_id, private=True)
    assert [s.session_id for s in page.results] == launched[:2]
    assert page.next_cursor is not None
    assert all(isinstance(s, QueryResult) for s in found)
    assert [s.session_id for s in found] == launched
    assert [(s.session_id, s.player, s.status) for s in mine.results] == [
        (launched[0], one_id, "active")
    ]


async def test_platform_session_link_read_unlink(app: FastAPI) -> None:
    # "+" and "/" in the id must reach the server intact.
    platform_id = base64.b64encode(b"\xfb\xff\xbfsteam-lobby-1").decode()
    assert "+" in platform_id
    assert "/" in platform_id
    async with host_client(app) as (host, host_id):
        session = (await host.launch(host_id)).session_id
        linked = await host.link_platform_session(
            session, "Steam", platform_id, "lobby", {"region": "eu"}
        )
        read = await host.get_platform_session("Steam", platform_id)
        await host.unlink_platform_session(session, "Steam")
        with pytest.raises(ApiError) as unlinked:
            await host.get_platform_session("Steam", platform_id)
    assert isinstance(linked, PlatformSession)
    assert linked.platform_session_id_base64 == platform_id
    assert read == linked
    assert (read.session_id, read.custom_data, read.players) == (session, {"region": "eu"}, [])
    assert unlinked.value.status == 404


async def test_refusals_raise_api_error_with_status_and_code(app: FastAPI) -> None:
    async with host_client(app) as (host, host_id), host_client(app) as (outsider, _):
        key = (await host.launch(host_id)).source_of_truth_key
        with pytest.raises(ApiError) as hidden:
            await outsider.get_document(key)
        with pytest.raises(ApiError) as stale:
            await host.put_state(key, {}, if_version=9)
        with pytest.raises(ApiError) as invalid:
            await host.launch(host_id, capacity="many")
    assert (hidden.value.status, hidden.value.code) == (404, "no_document")
    assert (stale.value.status, stale.value.code) == (412, "precondition_failed")
    assert (invalid.value.status, invalid.value.code) == (422, "validation_error")


async def test_credentials_never_show_the_secret(app: FastAPI) -> None:
    async with in_process(app) as lobby:
        registered = await lobby.register()
        rotated = await lobby.rotate_secret(registered.uuid, registered.secret)
    for credentials in (registered, rotated):
        assert isinstance(credentials, Credentials)
        for shown in (repr(credentials), str(credentials), f"{credentials}", str([credentials])):
            assert credentials.secret not in shown
            assert credentials.uuid in shown
        assert credentials.host.uuid == credentials.uuid
        assert not hasattr(credentials.host, "secret")


async def test_no_repr_shows_a_secret_a_token_or_a_ticket(app: FastAPI) -> None:
    async with in_process(app) as host, in_process(app) as guest:
        credentials = await host.register()
        token = await host.login(credentials.uuid, credentials.secret)
        await host.set_allow_nonames(credentials.uuid, True)
        await host.set_only_friends(credentials.uuid, False)
        session = await host.launch(credentials.uuid)
        guest_credentials = await guest.register()
        await guest.login(guest_credentials.uuid, guest_credentials.secret)
        joined = await guest.join(credentials.uuid, guest_credentials.uuid)
        socket = host.sync_socket(session.source_of_truth_key)
        heartbeat = host.keep_alive(session.session_id)
        secrets = [credentials.secret, token.token, joined.ticket, host.token, guest.token]
        assert all(secrets)
        shown_objects: list[object] = [credentials, token, joined, host, guest, socket, heartbeat]
        for shown in shown_objects:
            for text in (repr(shown), str(shown), f"{shown!r}", str([shown])):
                for secret in secrets:
                    assert secret is not None
                    assert secret not in text, f"{type(shown).__name__} shows a secret: {text}"
        # What the reprs do show.
        assert credentials.uuid in repr(credentials)
        assert "expires_in=" in repr(token)
        assert str(session.session_id) in repr(joined)
        assert "'***'" in repr(host)


async def test_wrong_secret_is_401(app: FastAPI) -> None:
    async with in_process(app) as lobby:
        credentials = await lobby.register()
        with pytest.raises(ApiError) as refused:
            await lobby.login(credentials.uuid, "wrong")
    assert refused.value.status == 401


async def test_a_socket_needs_a_token_first(app: FastAPI) -> None:
    async with in_process(app) as lobby:
        with pytest.raises(ValueError, match="log in"):
            lobby.sync_socket("key")


def test_an_ice_servers_repr_hides_the_turn_credential() -> None:
    turn = IceServer.from_json(
        {"urls": ["turn:turn.example:3478"], "username": "1800000000:p", "credential": "c2VjcmV0"}
    )
    stun = IceServer.from_json({"urls": ["stun:stun.example:3478"]})
    assert "c2VjcmV0" not in repr(turn)
    assert "c2VjcmV0" not in repr(IceAnswer(ice_servers=[stun, turn], expires_at="Z"))
    assert "1800000000:p" in repr(turn)
    assert turn.to_rtc() == {
        "urls": ["turn:turn.example:3478"],
        "username": "1800000000:p",
        "credential": "c2VjcmV0",
    }
    assert stun.to_rtc() == {"urls": ["stun:stun.example:3478"]}
