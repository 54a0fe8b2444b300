"""POST /sessions/players: joining, and each failure in the contract's order."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import HostAccount, bearer, error, register
from tests.sessions.conftest import join, launch, open_to_all


async def _open_session(
    client: httpx.AsyncClient, **options: Any
) -> tuple[HostAccount, dict[str, Any]]:
    host = await register(client)
    await open_to_all(client, host)
    return host, await launch(client, host, **options)


async def test_registered_guest_joins_and_gets_location_key_and_ticket(
    client: httpx.AsyncClient,
) -> None:
    host, session = await _open_session(client)
    guest = await register(client)
    response = await join(client, guest, host.uuid, guest.uuid)
    assert response.status_code == 200
    body = response.json()
    assert body["session_id"] == session["session_id"]
    assert body["source_of_truth_key"] == session["source_of_truth_key"]
    assert body["ticket"]
    assert response.headers["Location"] == f"/sessions/{session['session_id']}"


async def test_host_joins_a_noname_on_its_behalf(client: httpx.AsyncClient) -> None:
    host, session = await _open_session(client)
    response = await join(client, host, host.uuid, "Player One")
    assert response.status_code == 200
    view = (await client.get(f"/sessions/{session['session_id']}", headers=host.auth)).json()
    assert [m["player"] for m in view["members"]] == [host.uuid, "Player One"]


async def test_join_publishes_the_member_into_the_source_of_truth(
    client: httpx.AsyncClient, app: Any
) -> None:
    host, session = await _open_session(client)
    guest = await register(client)
    await join(client, guest, host.uuid, guest.uuid)
    document = await app.state.store.get(session["source_of_truth_key"])
    assert set(document.members) == {host.uuid, guest.uuid}


async def test_joining_twice_is_400_already_member(client: httpx.AsyncClient) -> None:
    host, _ = await _open_session(client)
    guest = await register(client)
    await join(client, guest, host.uuid, guest.uuid)
    error(await join(client, guest, host.uuid, guest.uuid), 400, "already_member")


async def test_guest_in_another_session_is_400(client: httpx.AsyncClient) -> None:
    first, _ = await _open_session(client)
    second, _ = await _open_session(client)
    guest = await register(client)
    await join(client, guest, first.uuid, guest.uuid)
    error(await join(client, guest, second.uuid, guest.uuid), 400, "in_another_session")


async def test_host_of_another_session_cannot_join_as_guest(client: httpx.AsyncClient) -> None:
    first, _ = await _open_session(client)
    second, _ = await _open_session(client)
    error(await join(client, second, first.uuid, second.uuid), 400, "in_another_session")


async def test_guest_that_is_the_host_is_400(client: httpx.AsyncClient) -> None:
    host, _ = await _open_session(client)
    error(await join(client, host, host.uuid, host.uuid), 400, "guest_is_host")


async def test_full_session_is_400_and_capacity_counts_the_host(client: httpx.AsyncClient) -> None:
    host, _ = await _open_session(client, capacity=3)
    assert (await join(client, host, host.uuid, "a")).status_code == 200
    assert (await join(client, host, host.uuid, "b")).status_code == 200
    error(await join(client, host, host.uuid, "c"), 400, "session_full")


async def test_a_seat_freed_by_leaving_can_be_taken(client: httpx.AsyncClient) -> None:
    host, session = await _open_session(client, capacity=2)
    await join(client, host, host.uuid, "a")
    left = await client.delete(f"/sessions/{session['session_id']}/players/a", headers=host.auth)
    assert left.status_code == 204
    assert (await join(client, host, host.uuid, "b")).status_code == 200


async def test_no_active_session_is_404_no_session(client: httpx.AsyncClient) -> None:
    host = await register(client)
    error(await join(client, host, host.uuid, "a"), 404, "no_session")


async def test_unregistered_host_is_404_no_session(client: httpx.AsyncClient) -> None:
    guest = await register(client)
    response = await join(client, guest, "00000000-0000-4000-8000-000000000000", guest.uuid)
    error(response, 404, "no_session")


async def test_not_welcome_answers_never_say_which_rule_refused(client: httpx.AsyncClient) -> None:
    host = await register(client)  # defaults: only friends, no nonames
    await launch(client, host)
    stranger, banned_friend = await register(client), await register(client)
    await client.post(f"/hosts/{host.uuid}/friends?friend={banned_friend.uuid}", headers=host.auth)
    await client.post(f"/hosts/{host.uuid}/banlist?banned={banned_friend.uuid}", headers=host.auth)
    answers = [
        await join(client, stranger, host.uuid, stranger.uuid),  # not a friend
        await join(client, banned_friend, host.uuid, banned_friend.uuid),  # banned
        await join(client, host, host.uuid, "noname"),  # noname under only_friends
    ]
    bodies = [error(answer, 404, "not_welcome") for answer in answers]
    assert bodies[0] == bodies[1] == bodies[2]


async def test_friend_is_welcome_when_only_friends(client: httpx.AsyncClient) -> None:
    host, friend = await register(client), await register(client)
    await launch(client, host)
    await client.post(f"/hosts/{host.uuid}/friends?friend={friend.uuid}", headers=host.auth)
    assert (await join(client, friend, host.uuid, friend.uuid)).status_code == 200


async def test_noname_refused_when_nonames_are_not_allowed(client: httpx.AsyncClient) -> None:
    host = await register(client)
    await client.put(
        f"/hosts/{host.uuid}/only_friends", json={"only_friends": False}, headers=host.auth
    )
    await launch(client, host)
    error(await join(client, host, host.uuid, "noname"), 404, "not_welcome")


async def test_uppercase_spelling_of_a_banned_uuid_is_still_banned(
    client: httpx.AsyncClient,
) -> None:
    host, _ = await _open_session(client)
    guest = await register(client)
    await client.post(f"/hosts/{host.uuid}/banlist?banned={guest.uuid}", headers=host.auth)
    error(await join(client, guest, host.uuid, guest.uuid.upper()), 404, "not_welcome")


async def test_a_third_party_cannot_join_someone_else_403(client: httpx.AsyncClient) -> None:
    host, _ = await _open_session(client)
    meddler, guest = await register(client), await register(client)
    error(await join(client, meddler, host.uuid, guest.uuid), 403)


async def test_admin_may_join_anyone(client: httpx.AsyncClient, app: Any) -> None:
    host, _ = await _open_session(client)
    admin = app.state.runtime.tokens.issue("admin", frozenset({"session:*"}))
    response = await client.post(
        "/sessions/players", json={"host": host.uuid, "guest": "bot-1"}, headers=bearer(admin)
    )
    assert response.status_code == 200


async def test_join_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    host, _ = await _open_session(client)
    response = await client.post("/sessions/players", json={"host": host.uuid, "guest": "x"})
    error(response, 401)


async def test_join_body_is_validated_422(client: httpx.AsyncClient) -> None:
    host, _ = await _open_session(client)
    for body in (
        {"host": host.uuid},
        {"host": host.uuid, "guest": ""},
        {"host": host.uuid, "guest": "g" * 129},
        {"host": host.uuid, "guest": "x", "extra": 1},
        {"host": host.uuid, "guest": "tab\there"},
    ):
        response = await client.post("/sessions/players", json=body, headers=host.auth)
        assert response.status_code == 422, body


# The order of checks (CONTRACT section 6): 403, guest is host, no_session, already in this
# session, in another session, not_welcome, full.


async def test_order_forbidden_before_everything(client: httpx.AsyncClient) -> None:
    meddler = await register(client)
    response = await join(client, meddler, "00000000-0000-4000-8000-000000000000", "x")
    error(response, 403)


async def test_order_guest_is_host_before_no_session(client: httpx.AsyncClient) -> None:
    host = await register(client)
    error(await join(client, host, host.uuid, host.uuid), 400, "guest_is_host")


async def test_order_already_member_before_not_welcome(client: httpx.AsyncClient) -> None:
    host, _ = await _open_session(client)
    await join(client, host, host.uuid, "noname")
    await client.put(
        f"/hosts/{host.uuid}/allow_nonames", json={"allow_nonames": False}, headers=host.auth
    )
    error(await join(client, host, host.uuid, "noname"), 400, "already_member")


async def test_order_in_another_session_before_not_welcome(client: httpx.AsyncClient) -> None:
    open_host, _ = await _open_session(client)
    strict_host = await register(client)
    await launch(client, strict_host)
    guest = await register(client)
    await join(client, guest, open_host.uuid, guest.uuid)
    error(await join(client, guest, strict_host.uuid, guest.uuid), 400, "in_another_session")


async def test_order_not_welcome_before_full(client: httpx.AsyncClient) -> None:
    host, _ = await _open_session(client, capacity=2)
    await join(client, host, host.uuid, "a")
    await client.post(f"/hosts/{host.uuid}/banlist?banned=b", headers=host.auth)
    error(await join(client, host, host.uuid, "b"), 404, "not_welcome")


async def test_a_host_that_is_not_a_uuid_is_422(client: httpx.AsyncClient) -> None:
    guest = await register(client)
    response = await join(client, guest, "not-a-uuid", guest.uuid)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "host"]


async def test_an_uppercase_host_uuid_names_the_same_host(client: httpx.AsyncClient) -> None:
    host, session = await _open_session(client)
    guest = await register(client)
    response = await join(client, guest, host.uuid.upper(), guest.uuid)
    assert response.status_code == 200, response.text
    assert response.json()["session_id"] == session["session_id"]
