"""Reservations: a seat held for a player; counts against capacity, expires, joining uses it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from lobbyd.kit.clock import ManualClock, rfc3339
from tests.conftest import client_for
from tests.directory.conftest import TIMEOUT, Hosted, hosted, idle, joined, reserve
from tests.helpers import error, register
from tests.sessions.conftest import join, launch


async def _members(client: httpx.AsyncClient, session: Hosted) -> list[tuple[str, str]]:
    view = (await client.get(f"/sessions/{session.session_id}", headers=session.auth)).json()
    return [(member["player"], member["status"]) for member in view["members"]]


async def _heartbeat(client: httpx.AsyncClient, session: Hosted) -> None:
    response = await client.post(f"/sessions/{session.session_id}/heartbeat", headers=session.auth)
    assert response.status_code == 200, response.text


async def test_host_reserves_a_seat_201_until_the_timeout(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    session = await hosted(client)
    response = await reserve(client, session.auth, session.session_id, "bob")
    assert response.status_code == 201
    assert response.json() == {
        "session_id": session.session_id,
        "player": "bob",
        "created_at": rfc3339(clock.now()),
        "expires_at": rfc3339(clock.now() + TIMEOUT),
    }


async def test_a_reservation_is_shown_as_member_status_reserved(
    client: httpx.AsyncClient,
) -> None:
    session = await hosted(client)
    await reserve(client, session.auth, session.session_id, "bob")
    assert await _members(client, session) == [(session.uuid, "active"), ("bob", "reserved")]


async def test_a_reservation_counts_against_capacity(client: httpx.AsyncClient) -> None:
    session = await hosted(client, capacity=2)
    await reserve(client, session.auth, session.session_id, "bob")
    error(await join(client, session.host, session.uuid, "carol"), 400, "session_full")


async def test_reserving_in_a_full_session_is_400_session_full(client: httpx.AsyncClient) -> None:
    session = await hosted(client, capacity=3)
    await joined(client, session, "p2")
    assert (await reserve(client, session.auth, session.session_id, "p3")).status_code == 201
    error(await reserve(client, session.auth, session.session_id, "p4"), 400, "session_full")


async def test_the_reserved_player_joins_past_only_friends_and_uses_it_up(
    client: httpx.AsyncClient,
) -> None:
    session = await hosted(client, open_=False, capacity=2)
    guest = await register(client)
    await reserve(client, session.auth, session.session_id, guest.uuid)
    assert (await join(client, guest, session.uuid, guest.uuid)).status_code == 200
    assert await _members(client, session) == [(session.uuid, "active"), (guest.uuid, "active")]


async def test_a_reservation_expires_after_the_timeout(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    session = await hosted(client, capacity=2)
    await reserve(client, session.auth, session.session_id, "bob")
    clock.advance(TIMEOUT - 1)
    await _heartbeat(client, session)
    error(await join(client, session.host, session.uuid, "carol"), 400, "session_full")
    clock.advance(1)
    assert (await join(client, session.host, session.uuid, "carol")).status_code == 200


async def test_an_expired_reservation_lets_no_one_past_the_welcome_rule(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    session = await hosted(client, open_=False)
    guest = await register(client)
    await reserve(client, session.auth, session.session_id, guest.uuid)
    clock.advance(TIMEOUT)
    await _heartbeat(client, session)
    error(await join(client, guest, session.uuid, guest.uuid), 404, "not_welcome")


async def test_the_timeout_is_lobbyd_reservation_timeout(
    make_app: Callable[..., Any], clock: ManualClock
) -> None:
    app = await make_app(reservation_timeout=5)
    async with client_for(app) as client:
        session = await hosted(client)
        response = await reserve(client, session.auth, session.session_id, "bob")
        assert response.json()["expires_at"] == rfc3339(clock.now() + 5)
        clock.advance(5)
        assert await _members(client, session) == [(session.uuid, "active")]


async def test_reserving_again_extends_the_reservation_200(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    session = await hosted(client)
    first = (await reserve(client, session.auth, session.session_id, "bob")).json()
    clock.advance(30)
    again = await reserve(client, session.auth, session.session_id, "bob")
    assert again.status_code == 200
    assert again.json()["created_at"] == first["created_at"]
    assert again.json()["expires_at"] == rfc3339(clock.now() + TIMEOUT)


async def test_reserving_after_expiry_is_a_new_reservation_201(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    session = await hosted(client)
    await reserve(client, session.auth, session.session_id, "bob")
    clock.advance(TIMEOUT)
    await _heartbeat(client, session)
    again = await reserve(client, session.auth, session.session_id, "bob")
    assert again.status_code == 201
    assert again.json()["created_at"] == rfc3339(clock.now())


async def test_reserving_for_a_banned_player_is_400(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    await client.post(
        f"/hosts/{session.uuid}/banlist", params={"banned": "griefer"}, headers=session.auth
    )
    error(await reserve(client, session.auth, session.session_id, "griefer"), 400, "player_banned")


async def test_banning_drops_the_players_reservation(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    await reserve(client, session.auth, session.session_id, "griefer")
    await client.post(
        f"/hosts/{session.uuid}/banlist", params={"banned": "griefer"}, headers=session.auth
    )
    assert await _members(client, session) == [(session.uuid, "active")]


async def test_reserving_for_the_host_or_a_member_is_400(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    await joined(client, session, "p2")
    sid = session.session_id
    error(await reserve(client, session.auth, sid, session.uuid), 400, "guest_is_host")
    error(await reserve(client, session.auth, sid, "p2"), 400, "already_member")


async def test_only_the_host_or_an_admin_reserves(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    session = await hosted(client)
    stranger = await register(client)
    error(await reserve(client, stranger.auth, session.session_id, "bob"), 403)
    assert (await reserve(client, admin, session.session_id, "bob")).status_code == 201


async def test_host_cancels_a_reservation(client: httpx.AsyncClient) -> None:
    session = await hosted(client, capacity=2)
    await reserve(client, session.auth, session.session_id, "bob")
    path = f"/sessions/{session.session_id}/reservations/bob"
    assert (await client.delete(path, headers=session.auth)).status_code == 204
    assert (await join(client, session.host, session.uuid, "carol")).status_code == 200


async def test_the_reserved_player_releases_its_seat(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    guest = await register(client)
    await reserve(client, session.auth, session.session_id, guest.uuid)
    path = f"/sessions/{session.session_id}/reservations/{guest.uuid}"
    assert (await client.delete(path, headers=guest.auth)).status_code == 204
    assert await _members(client, session) == [(session.uuid, "active")]


async def test_someone_else_cannot_cancel_a_reservation(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    stranger = await register(client)
    await reserve(client, session.auth, session.session_id, "bob")
    path = f"/sessions/{session.session_id}/reservations/bob"
    error(await client.delete(path, headers=stranger.auth), 403)


async def test_cancelling_a_missing_or_expired_reservation_is_404(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    session = await hosted(client)
    path = f"/sessions/{session.session_id}/reservations/bob"
    error(await client.delete(path, headers=session.auth), 404, "no_reservation")
    await reserve(client, session.auth, session.session_id, "bob")
    clock.advance(TIMEOUT)
    await _heartbeat(client, session)
    error(await client.delete(path, headers=session.auth), 404, "no_reservation")


async def test_a_reservation_holder_is_not_a_member(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    other = await hosted(client)
    guest = await register(client)
    await reserve(client, session.auth, session.session_id, guest.uuid)
    # Not "in" the session: free to play elsewhere, and not shown the member view.
    assert (await join(client, guest, other.uuid, guest.uuid)).status_code == 200
    view = (await client.get(f"/sessions/{session.session_id}", headers=guest.auth)).json()
    assert "members" not in view


async def test_a_reservation_holder_may_launch_its_own_session(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    guest = await register(client)
    await reserve(client, session.auth, session.session_id, guest.uuid)
    await launch(client, guest)


async def test_guests_gone_silent_free_seats_for_a_reservation(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    session = await hosted(client, capacity=2)
    await joined(client, session, "sleeper")
    await idle(client, session, clock, 2 * TIMEOUT + 1)
    assert (await reserve(client, session.auth, session.session_id, "bob")).status_code == 201
    assert await _members(client, session) == [(session.uuid, "active"), ("bob", "reserved")]


async def test_reservation_in_a_session_whose_host_timed_out_is_404(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    session = await hosted(client)
    clock.advance(TIMEOUT + 1)
    answer = await reserve(client, session.auth, session.session_id, "bob")
    assert error(answer, 404, "session_ended")["reason"] == "host_timeout"
