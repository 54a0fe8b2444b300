"""GET /players/{player}/sessions: RallyHere's per-player view, with ETag and permissions."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from lobbyd.kit.clock import ManualClock, rfc3339
from tests.directory.conftest import (
    TIMEOUT,
    hosted,
    idle,
    invite,
    joined,
    player_sessions,
    reserve,
    token,
)
from tests.helpers import error, register


def _group(kind: str, **fields: object) -> dict[str, object]:
    group: dict[str, object] = {
        "type": kind,
        "session_ids": [],
        "pending_invites": {},
        "reserved_sessions": [],
    }
    group.update(fields)
    return group


async def test_a_host_sees_its_own_session(client: httpx.AsyncClient, clock: ManualClock) -> None:
    session = await hosted(client)
    assert await player_sessions(client, session.auth, session.uuid) == {
        "sessions": {"default": _group("default", session_ids=[session.session_id])},
        "last_updated_timestamp": rfc3339(clock.now()),
    }


async def test_memberships_invites_and_reservations_are_grouped_by_type(
    client: httpx.AsyncClient,
) -> None:
    casual = await hosted(client)
    ranked = await hosted(client, type="ranked")
    ranked_too = await hosted(client, type="ranked")
    player = await register(client)
    await joined(client, casual, player)
    await invite(client, ranked.auth, ranked.session_id, player.uuid)
    await reserve(client, ranked_too.auth, ranked_too.session_id, player.uuid)
    found = await player_sessions(client, player.auth, player.uuid)
    assert found["sessions"] == {
        "default": _group("default", session_ids=[casual.session_id]),
        "ranked": _group(
            "ranked",
            pending_invites={
                str(ranked.session_id): {
                    "session_id": ranked.session_id,
                    "inviting_player_uuid": ranked.uuid,
                }
            },
            reserved_sessions=[ranked_too.session_id],
        ),
    }


async def test_a_player_with_nothing_gets_an_empty_answer_without_a_timestamp(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # Omitted rather than null: RallyHere's schema makes it optional, never nullable.
    assert await player_sessions(client, admin, "nobody") == {"sessions": {}}


async def test_last_updated_is_the_newest_membership_invite_or_reservation(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    first = await hosted(client)
    second = await hosted(client)
    player = await register(client)
    await joined(client, first, player)
    clock.advance(10)
    await invite(client, second.auth, second.session_id, player.uuid)
    found = await player_sessions(client, player.auth, player.uuid)
    assert found["last_updated_timestamp"] == rfc3339(clock.now())


async def test_etag_and_if_none_match_give_304_until_something_changes(
    client: httpx.AsyncClient,
) -> None:
    session = await hosted(client)
    player = await register(client)
    url = f"/players/{player.uuid}/sessions"
    first = await client.get(url, headers=player.auth)
    tag = first.headers["ETag"]
    same = await client.get(url, headers={**player.auth, "If-None-Match": tag})
    assert (same.status_code, same.headers["ETag"], same.content) == (304, tag, b"")
    await invite(client, session.auth, session.session_id, player.uuid)
    changed = await client.get(url, headers={**player.auth, "If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != tag


async def test_another_host_may_not_read_a_players_sessions(client: httpx.AsyncClient) -> None:
    player = await register(client)
    other = await register(client)
    error(await client.get(f"/players/{player.uuid}/sessions", headers=other.auth), 403)


async def test_read_player_any_may_read_anyone(client: httpx.AsyncClient, app: FastAPI) -> None:
    session = await hosted(client)
    service = token(app, "admin", "session:read-player:any")
    found = await player_sessions(client, service, session.uuid)
    assert found["sessions"]["default"]["session_ids"] == [session.session_id]


async def test_an_admin_may_read_a_nonames_sessions(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    session = await hosted(client)
    await joined(client, session, "Nomad")
    found = await player_sessions(client, admin, "Nomad")
    assert found["sessions"]["default"]["session_ids"] == [session.session_id]


async def test_reading_yourself_needs_read_player_self(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    player = await register(client)
    narrow = app.state.runtime.tokens.issue(
        player.uuid, frozenset({"session:read:platform"}), generation=0
    )
    response = await client.get(
        f"/players/{player.uuid}/sessions", headers={"Authorization": f"Bearer {narrow}"}
    )
    error(response, 403)


async def test_a_service_token_is_no_player(client: httpx.AsyncClient, app: FastAPI) -> None:
    service = token(app, "admin", "session:read-player:self")
    error(await client.get("/players/admin/sessions", headers=service), 403)


async def test_the_player_may_be_named_in_any_uuid_spelling(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    found = await player_sessions(client, session.auth, session.uuid.upper())
    assert found["sessions"]["default"]["session_ids"] == [session.session_id]


async def test_private_sessions_are_listed(client: httpx.AsyncClient) -> None:
    session = await hosted(client, visibility="private")
    found = await player_sessions(client, session.auth, session.uuid)
    assert found["sessions"]["default"]["session_ids"] == [session.session_id]


async def test_ended_sessions_are_not_listed(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    player = await register(client)
    await invite(client, session.auth, session.session_id, player.uuid)
    await client.delete(f"/sessions/{session.session_id}", headers=session.auth)
    assert (await player_sessions(client, player.auth, player.uuid))["sessions"] == {}


async def test_a_session_whose_host_timed_out_is_not_listed(
    client: httpx.AsyncClient, clock: ManualClock, admin: dict[str, str]
) -> None:
    session = await hosted(client)
    await joined(client, session, "p2")
    clock.advance(TIMEOUT + 1)
    assert (await player_sessions(client, admin, "p2"))["sessions"] == {}


async def test_an_inactive_guest_is_listed_and_a_gone_one_is_not(
    client: httpx.AsyncClient, clock: ManualClock, admin: dict[str, str]
) -> None:
    session = await hosted(client)
    await joined(client, session, "sleeper")
    await idle(client, session, clock, TIMEOUT + 1)
    found = await player_sessions(client, admin, "sleeper")  # inactive: still a member
    assert found["sessions"]["default"]["session_ids"] == [session.session_id]
    await idle(client, session, clock, TIMEOUT)
    assert (await player_sessions(client, admin, "sleeper"))["sessions"] == {}


async def test_an_expired_reservation_is_not_listed(
    client: httpx.AsyncClient, clock: ManualClock, admin: dict[str, str]
) -> None:
    session = await hosted(client)
    await reserve(client, session.auth, session.session_id, "bob")
    clock.advance(TIMEOUT)
    await client.post(f"/sessions/{session.session_id}/heartbeat", headers=session.auth)
    assert (await player_sessions(client, admin, "bob"))["sessions"] == {}


async def test_player_ids_with_slashes_are_read(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    session = await hosted(client)
    await joined(client, session, "clan/player")
    found = await player_sessions(client, admin, "clan/player")
    assert found["sessions"]["default"]["session_ids"] == [session.session_id]


async def test_a_bad_player_id_is_422(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await client.get(f"/players/{'x' * 129}/sessions", headers=admin)
    assert response.status_code == 422
