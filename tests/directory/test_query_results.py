"""GET /sessions: the fields of each result, exactly as CONTRACT section 8 lists them."""

from __future__ import annotations

import httpx

from lobbyd.kit.clock import ManualClock, rfc3339
from tests.directory.conftest import hosted, joined, query, reserve
from tests.helpers import register

FIELDS = {
    "session_id",
    "host",
    "type",
    "start_time",
    "accepted",
    "player_count",
    "capacity",
    "visibility",
    "join_restriction",
    "keywords",
    "labels",
}


async def test_a_result_without_a_player_filter_has_exactly_these_fields(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    session = await hosted(
        client,
        type="ranked",
        capacity=4,
        keywords=["ctf", "eu"],
        labels={"map": "dust"},
    )
    await joined(client, session, "p2")
    await reserve(client, session.auth, session.session_id, "p3")
    searcher = await register(client)
    body = await query(client, searcher.auth, keyword="ctf")
    assert body == {
        "results": [
            {
                "session_id": session.session_id,
                "host": session.uuid,
                "type": "ranked",
                "start_time": rfc3339(clock.now()),
                "accepted": 2,
                "player_count": 3,
                "capacity": 4,
                "visibility": "open",
                "join_restriction": "none",
                "keywords": ["ctf", "eu"],
                "labels": {"map": "dust"},
            }
        ],
        "next_cursor": None,
    }


async def test_a_result_with_a_player_filter_adds_player_status_and_my_turn(
    client: httpx.AsyncClient,
) -> None:
    session = await hosted(client)
    searcher = await register(client)
    result = (await query(client, searcher.auth, player=session.uuid))["results"][0]
    assert set(result) == FIELDS | {"player", "status", "my_turn"}
    assert (result["player"], result["status"], result["my_turn"]) == (
        session.uuid,
        "active",
        False,
    )


async def test_the_player_a_result_carries_is_the_canonical_uuid_it_was_found_by(
    client: httpx.AsyncClient,
) -> None:
    session = await hosted(client)
    result = (await query(client, session.auth, player=session.uuid.upper()))["results"][0]
    assert result["player"] == session.uuid


async def test_the_tied_to_token_listing_has_no_status_or_my_turn(
    client: httpx.AsyncClient,
) -> None:
    session = await hosted(client)
    result = (await query(client, session.auth))["results"][0]
    assert set(result) == FIELDS


async def test_visibility_is_full_when_the_seats_are_taken(client: httpx.AsyncClient) -> None:
    session = await hosted(client, capacity=3)
    await joined(client, session, "p2")
    await reserve(client, session.auth, session.session_id, "p3")
    result = (await query(client, session.auth))["results"][0]
    assert (result["accepted"], result["player_count"], result["visibility"]) == (2, 3, "full")


async def test_visibility_is_private_for_a_private_session(client: httpx.AsyncClient) -> None:
    session = await hosted(client, visibility="private", capacity=2)
    await joined(client, session, "p2")
    result = (await query(client, session.auth, private="true"))["results"][0]
    assert result["visibility"] == "private"


async def test_join_restriction_is_followed_when_the_host_is_friends_only(
    client: httpx.AsyncClient,
) -> None:
    session = await hosted(client, open_=False)
    assert (await query(client, session.auth))["results"][0]["join_restriction"] == "followed"
    await client.put(
        f"/hosts/{session.uuid}/only_friends", json={"only_friends": False}, headers=session.auth
    )
    assert (await query(client, session.auth))["results"][0]["join_restriction"] == "none"


async def test_status_of_a_reserved_player_is_reserved(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    player = await register(client)
    await reserve(client, session.auth, session.session_id, player.uuid)
    body = await query(client, player.auth, player=player.uuid, reservations="true")
    assert body["results"][0]["status"] == "reserved"
    assert body["results"][0]["accepted"] == 1
    assert body["results"][0]["player_count"] == 2
