"""GET /sessions: each filter (MPSD's and Gameye's), alone and together; only active sessions."""

from __future__ import annotations

import httpx

from lobbyd.kit.clock import ManualClock
from tests.directory.conftest import TIMEOUT, found_ids, hosted, idle, joined, query, reserve
from tests.helpers import register


async def test_keyword_finds_the_sessions_carrying_it(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = await hosted(client, keywords=["ctf", "eu"])
    await hosted(client, keywords=["dm"])
    third = await hosted(client, keywords=["ctf"])
    searcher = await register(client)
    assert await found_ids(client, searcher.auth, keyword="ctf") == [
        first.session_id,
        third.session_id,
    ]


async def test_keyword_follows_patched_keywords(client: httpx.AsyncClient) -> None:
    session = await hosted(client, keywords=["lobby"])
    await client.patch(
        f"/sessions/{session.session_id}", json={"keywords": ["in-game"]}, headers=session.auth
    )
    assert await found_ids(client, session.auth, keyword="lobby") == []
    assert await found_ids(client, session.auth, keyword="in-game") == [session.session_id]


async def test_player_finds_the_session_it_is_in(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    await hosted(client)
    player = await register(client)
    await joined(client, session, player)
    searcher = await register(client)
    assert await found_ids(client, searcher.auth, player=player.uuid) == [session.session_id]


async def test_player_finds_the_session_it_hosts(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    searcher = await register(client)
    assert await found_ids(client, searcher.auth, player=session.uuid) == [session.session_id]


async def test_type_keeps_sessions_of_that_type(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await hosted(client, type="casual", keywords=["eu"])
    ranked = await hosted(client, type="ranked", keywords=["eu"])
    assert await found_ids(client, admin, type="ranked") == [ranked.session_id]
    assert await found_ids(client, admin, type="ranked", keyword="eu") == [ranked.session_id]
    assert await found_ids(client, admin, type="ranked", player=ranked.uuid) == [ranked.session_id]
    assert await found_ids(client, admin, type="duel", player=ranked.uuid) == []


async def test_keyword_and_player_together_must_both_match(client: httpx.AsyncClient) -> None:
    session = await hosted(client, keywords=["ctf"])
    await hosted(client, keywords=["ctf"])
    assert await found_ids(client, session.auth, keyword="ctf", player=session.uuid) == [
        session.session_id
    ]
    assert await found_ids(client, session.auth, keyword="dm", player=session.uuid) == []


async def test_visibility_open_leaves_out_full_and_private_sessions(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    joinable = await hosted(client, keywords=["k"], capacity=3)
    full = await hosted(client, keywords=["k"], capacity=2)
    await joined(client, full, "p2")
    held = await hosted(client, keywords=["k"], capacity=2)
    await reserve(client, held.auth, held.session_id, "bob")
    await hosted(client, keywords=["k"], visibility="private")
    assert await found_ids(client, admin, keyword="k", visibility="open", private="true") == [
        joinable.session_id
    ]
    assert await found_ids(client, admin, keyword="k") == [
        joinable.session_id,
        full.session_id,
        held.session_id,
    ]


async def test_visibility_open_counts_a_seat_freed_by_an_expired_reservation(
    client: httpx.AsyncClient, clock: ManualClock, admin: dict[str, str]
) -> None:
    session = await hosted(client, keywords=["k"], capacity=2)
    await reserve(client, session.auth, session.session_id, "bob")
    assert await found_ids(client, admin, keyword="k", visibility="open") == []
    clock.advance(TIMEOUT)
    await client.post(f"/sessions/{session.session_id}/heartbeat", headers=session.auth)
    assert await found_ids(client, admin, keyword="k", visibility="open") == [session.session_id]


async def test_reservations_adds_sessions_where_the_player_holds_a_seat(
    client: httpx.AsyncClient,
) -> None:
    mine = await hosted(client)
    other = await hosted(client)
    await reserve(client, other.auth, other.session_id, mine.uuid)
    assert await found_ids(client, mine.auth, player=mine.uuid) == [mine.session_id]
    body = await query(client, mine.auth, player=mine.uuid, reservations="true")
    statuses = [(r["session_id"], r["status"]) for r in body["results"]]
    assert statuses == [(mine.session_id, "active"), (other.session_id, "reserved")]


async def test_inactive_adds_sessions_where_the_player_is_inactive(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    session = await hosted(client)
    await joined(client, session, "sleeper")
    await idle(client, session, clock, TIMEOUT + 1)
    searcher = await register(client)
    assert await found_ids(client, searcher.auth, player="sleeper") == []
    body = await query(client, searcher.auth, player="sleeper", inactive="true")
    assert [(r["session_id"], r["status"]) for r in body["results"]] == [
        (session.session_id, "inactive")
    ]


async def test_a_guest_silent_for_two_timeouts_is_found_nowhere(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    session = await hosted(client)
    await joined(client, session, "sleeper")
    await idle(client, session, clock, 2 * TIMEOUT + 1)
    searcher = await register(client)
    assert await found_ids(client, searcher.auth, player="sleeper", inactive="true") == []
    result = (await query(client, session.auth, player=session.uuid))["results"][0]
    assert (result["accepted"], result["player_count"]) == (1, 1)


async def test_private_adds_the_players_private_sessions(client: httpx.AsyncClient) -> None:
    session = await hosted(client, visibility="private")
    assert await found_ids(client, session.auth, player=session.uuid) == []
    assert await found_ids(client, session.auth, player=session.uuid, private="true") == [
        session.session_id
    ]


async def test_a_private_session_is_never_found_by_keyword_by_outsiders(
    client: httpx.AsyncClient,
) -> None:
    await hosted(client, keywords=["secret"], visibility="private")
    outsider = await register(client)
    assert await found_ids(client, outsider.auth, keyword="secret") == []
    assert await found_ids(client, outsider.auth, keyword="secret", private="true") == []


async def test_keyword_with_private_adds_the_callers_own_private_sessions(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    mine = await hosted(client, keywords=["k"], visibility="private")
    theirs = await hosted(client, keywords=["k"], visibility="private")
    assert await found_ids(client, mine.auth, keyword="k", private="true") == [mine.session_id]
    assert await found_ids(client, admin, keyword="k", private="true") == [
        mine.session_id,
        theirs.session_id,
    ]


async def test_no_filter_lists_the_sessions_tied_to_the_callers_token(
    client: httpx.AsyncClient,
) -> None:
    mine = await hosted(client)
    guest = await register(client)
    await joined(client, mine, guest)
    await hosted(client)
    assert await found_ids(client, mine.auth) == [mine.session_id]
    assert await found_ids(client, guest.auth) == [mine.session_id]


async def test_no_filter_lists_nothing_for_a_player_in_no_session(
    client: httpx.AsyncClient,
) -> None:
    await hosted(client)
    loner = await register(client)
    assert await query(client, loner.auth) == {"results": [], "next_cursor": None}


async def test_no_filter_with_reservations_adds_the_callers_reserved_seats(
    client: httpx.AsyncClient,
) -> None:
    other = await hosted(client)
    player = await register(client)
    await reserve(client, other.auth, other.session_id, player.uuid)
    assert await found_ids(client, player.auth) == []
    assert await found_ids(client, player.auth, reservations="true") == [other.session_id]


async def test_no_filter_includes_the_callers_inactive_session(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    session = await hosted(client)
    guest = await register(client)
    await joined(client, session, guest)
    await idle(client, session, clock, TIMEOUT + 1)
    assert await found_ids(client, guest.auth) == [session.session_id]


async def test_no_filter_shows_the_callers_private_session_only_with_private(
    client: httpx.AsyncClient,
) -> None:
    session = await hosted(client, visibility="private")
    assert await found_ids(client, session.auth) == []
    assert await found_ids(client, session.auth, private="true") == [session.session_id]


async def test_no_filter_lists_every_active_session_for_an_admin(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = await hosted(client)
    second = await hosted(client, type="ranked")
    hidden = await hosted(client, visibility="private")
    ended = await hosted(client)
    await client.delete(f"/sessions/{ended.session_id}", headers=ended.auth)
    assert await found_ids(client, admin) == [first.session_id, second.session_id]
    assert await found_ids(client, admin, private="true") == [
        first.session_id,
        second.session_id,
        hidden.session_id,
    ]


async def test_ended_sessions_are_never_listed(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    session = await hosted(client, keywords=["k"])
    await client.delete(f"/sessions/{session.session_id}", headers=session.auth)
    for params in ({"keyword": "k"}, {"player": session.uuid}, {}):
        assert await found_ids(client, admin, **params) == [], params


async def test_a_session_whose_host_timed_out_is_not_listed_even_before_the_sweep(
    client: httpx.AsyncClient, clock: ManualClock, admin: dict[str, str]
) -> None:
    session = await hosted(client, keywords=["k"])
    clock.advance(TIMEOUT + 1)
    for params in ({"keyword": "k"}, {"player": session.uuid}, {}):
        assert await found_ids(client, admin, **params) == [], params
    assert await found_ids(client, session.auth) == []
