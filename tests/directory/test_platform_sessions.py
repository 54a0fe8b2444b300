"""Platform sessions: link with PUT, read with GET (RallyHere's shape), permissions, limits."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from lobbyd.db import open_database
from lobbyd.kit.clock import ManualClock
from tests.directory.conftest import TIMEOUT, Hosted, hosted, joined, token
from tests.helpers import error, register

PLATFORMS = [
    "Anon",
    "Basic",
    "XboxLive",
    "PSN",
    "NintendoNAID",
    "NintendoSwitch",
    "NintendoPPID",
    "Google",
    "GooglePlay",
    "Apple",
    "Epic",
    "Steam",
    "Amazon",
    "Twitch",
    "RallyHere",
    "LegacyName",
]
LOBBY = base64.b64encode(b"steam-lobby-\xff\xfe-109775241").decode()  # has "/" and "+"


def _body(platform_id: str = LOBBY, **extra: Any) -> dict[str, Any]:
    return {"platform_session_type": "lobby", "platform_session_id_base64": platform_id, **extra}


async def _link(
    client: httpx.AsyncClient,
    session: Hosted,
    platform: str = "Steam",
    body: dict[str, Any] | None = None,
    caller: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.put(
        f"/sessions/{session.session_id}/platform-sessions/{platform}",
        json=_body() if body is None else body,
        headers=caller or session.auth,
    )


async def _read(
    client: httpx.AsyncClient, caller: dict[str, str], platform_id: str = LOBBY, **headers: str
) -> httpx.Response:
    return await client.get(
        f"/platforms/Steam/platform-sessions/{platform_id}", headers={**caller, **headers}
    )


async def test_host_links_its_session_201_with_the_resource(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    response = await _link(client, session, body=_body(custom_data={"region": "eu"}))
    assert response.status_code == 201
    assert response.json() == {
        "platform": "Steam",
        "platform_session_type": "lobby",
        "platform_session_id_base64": LOBBY,
        "players": [],
        "custom_data": {"region": "eu"},
        "session_id": session.session_id,
    }
    assert response.headers["ETag"]


async def test_linking_again_updates_the_link_200(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    await _link(client, session)
    again = await _link(client, session, body=_body(custom_data={"round": "2"}))
    assert again.status_code == 200
    assert (await _read(client, session.auth)).json()["custom_data"] == {"round": "2"}


async def test_a_member_reads_the_link(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    guest = await register(client)
    await joined(client, session, guest)
    linked = await _link(client, session)
    response = await _read(client, guest.auth)
    assert response.status_code == 200
    assert response.json() == linked.json()
    assert response.headers["ETag"] == linked.headers["ETag"]


async def test_a_non_member_may_not_read_it(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    await _link(client, session)
    stranger = await register(client)
    error(await _read(client, stranger.auth), 403)


async def test_read_platform_scope_and_admins_read_any_link(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    session = await hosted(client)
    await _link(client, session)
    assert (await _read(client, token(app, "admin", "session:read:platform"))).status_code == 200
    assert (await _read(client, admin)).status_code == 200


async def test_an_unknown_platform_session_is_404(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    error(await _read(client, admin, "bm9wZQ=="), 404, "no_platform_session")


async def test_the_same_id_on_another_platform_is_another_platform_session(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    session = await hosted(client)
    await _link(client, session, platform="PSN")
    error(await _read(client, admin), 404)


async def test_etag_and_if_none_match_give_304(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    tag = (await _link(client, session)).headers["ETag"]
    same = await _read(client, session.auth, **{"If-None-Match": tag})
    assert (same.status_code, same.headers["ETag"]) == (304, tag)
    await _link(client, session, body=_body(custom_data={"k": "v"}))
    assert (await _read(client, session.auth, **{"If-None-Match": tag})).status_code == 200


async def test_ids_with_a_slash_are_read_raw_or_percent_encoded(
    client: httpx.AsyncClient,
) -> None:
    session = await hosted(client)
    await _link(client, session)
    assert "/" in LOBBY
    encoded = LOBBY.replace("/", "%2F").replace("+", "%2B")
    assert (await _read(client, session.auth, encoded)).status_code == 200
    assert (await _read(client, session.auth, LOBBY)).status_code == 200


async def test_the_link_stops_resolving_when_the_session_ends(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    await _link(client, session)
    await client.delete(f"/sessions/{session.session_id}", headers=session.auth)
    error(await _read(client, session.auth), 404, "no_platform_session")


async def test_the_link_stops_resolving_when_the_host_times_out(
    client: httpx.AsyncClient, clock: ManualClock, admin: dict[str, str]
) -> None:
    session = await hosted(client)
    await _link(client, session)
    clock.advance(TIMEOUT + 1)
    error(await _read(client, admin), 404, "no_platform_session")


async def _stored_links(app: FastAPI, session_id: int) -> int:
    db = open_database(app.state.settings.database_url)
    await db.connect()
    try:
        async with db.reading() as conn:
            count = await conn.fetchval(
                "SELECT count(*) FROM platform_sessions WHERE session_id = $1", session_id
            )
    finally:
        await db.close()
    return int(count)


async def test_ending_a_session_deletes_its_links(
    client: httpx.AsyncClient, clock: ManualClock, app: FastAPI
) -> None:
    ended, timed_out = await hosted(client), await hosted(client)
    await _link(client, ended)
    await _link(client, timed_out, body=_body(base64.b64encode(b"other").decode()))
    await client.delete(f"/sessions/{ended.session_id}", headers=ended.auth)
    clock.advance(TIMEOUT + 1)
    await app.state.runtime.sweeper.sweep()
    assert await _stored_links(app, ended.session_id) == 0
    assert await _stored_links(app, timed_out.session_id) == 0


async def test_relinking_another_id_replaces_the_old_link(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    session = await hosted(client)
    await _link(client, session)
    other_id = base64.b64encode(b"lobby-2").decode()
    assert (await _link(client, session, body=_body(other_id))).status_code == 201
    error(await _read(client, admin), 404)
    assert (await _read(client, admin, other_id)).json()["session_id"] == session.session_id


async def test_a_session_links_one_platform_session_per_platform(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    session = await hosted(client)
    await _link(client, session, platform="Steam")
    await _link(client, session, platform="Epic")
    assert (await _read(client, admin)).status_code == 200
    epic = await client.get(f"/platforms/Epic/platform-sessions/{LOBBY}", headers=admin)
    assert epic.status_code == 200


async def test_another_active_session_cannot_take_a_linked_platform_session(
    client: httpx.AsyncClient,
) -> None:
    first = await hosted(client)
    second = await hosted(client)
    await _link(client, first)
    error(await _link(client, second), 409, "platform_session_taken")


async def test_a_failed_relink_keeps_the_previous_link(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = await hosted(client)
    second = await hosted(client)
    mine = base64.b64encode(b"mine").decode()
    await _link(client, first)
    await _link(client, second, body=_body(mine))
    error(await _link(client, second), 409)
    assert (await _read(client, admin, mine)).json()["session_id"] == second.session_id


async def test_an_ended_sessions_platform_session_may_be_linked_anew(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = await hosted(client)
    await _link(client, first)
    await client.delete(f"/sessions/{first.session_id}", headers=first.auth)
    second = await hosted(client)
    assert (await _link(client, second)).status_code == 201
    assert (await _read(client, admin)).json()["session_id"] == second.session_id


async def test_only_the_host_or_an_admin_links(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    session = await hosted(client)
    guest = await register(client)
    await joined(client, session, guest)
    error(await _link(client, session, caller=guest.auth), 403)
    assert (await _link(client, session, caller=admin)).status_code == 201


async def test_linking_an_unknown_session_is_404(client: httpx.AsyncClient) -> None:
    host = await register(client)
    response = await client.put(
        "/sessions/999999/platform-sessions/Steam", json=_body(), headers=host.auth
    )
    error(response, 404, "no_session")


async def test_host_unlinks_204_and_the_link_is_gone(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    session = await hosted(client)
    await _link(client, session)
    url = f"/sessions/{session.session_id}/platform-sessions/Steam"
    assert (await client.delete(url, headers=session.auth)).status_code == 204
    error(await _read(client, admin), 404)
    error(await client.delete(url, headers=session.auth), 404, "no_platform_session")


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_each_of_the_sixteen_platforms_is_accepted(
    client: httpx.AsyncClient, admin: dict[str, str], platform: str
) -> None:
    session = await hosted(client)
    assert (await _link(client, session, platform=platform)).status_code == 201
    url = f"/platforms/{platform}/platform-sessions/{LOBBY}"
    assert (await client.get(url, headers=admin)).json()["platform"] == platform


@pytest.mark.parametrize("platform", ["steam", "STEAM", "Xbox", "Switch", "Discord", "Steam "])
async def test_any_other_platform_is_422(
    client: httpx.AsyncClient, admin: dict[str, str], platform: str
) -> None:
    session = await hosted(client)
    assert (await _link(client, session, platform=platform)).status_code == 422
    read = await client.get(f"/platforms/{platform}/platform-sessions/{LOBBY}", headers=admin)
    assert read.status_code == 422


@pytest.mark.parametrize(
    "platform_id",
    [
        "",
        "YWJj",  # fine
        "YWJ",  # not padded to 4n
        "YW=j",  # padding inside
        "YWJj-_==",  # URL-safe alphabet
        "YWI=YWI=",  # padding in the middle
        "YWJ=",  # unused bits set: not canonical
        "YWJj\n",
        "A" * 4100,
    ],
)
async def test_the_platform_session_id_is_strict_standard_base64(
    client: httpx.AsyncClient, platform_id: str
) -> None:
    session = await hosted(client)
    response = await _link(client, session, body=_body(platform_id))
    assert response.status_code == (201 if platform_id == "YWJj" else 422), response.text


async def test_the_longest_platform_session_id_is_4096_characters(
    client: httpx.AsyncClient,
) -> None:
    session = await hosted(client)
    longest = "A" * 4096
    assert (await _link(client, session, body=_body(longest))).status_code == 201
    assert (await _read(client, session.auth, longest)).status_code == 200


async def test_reading_a_malformed_id_is_422(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    assert (await _read(client, admin, "not-base64!")).status_code == 422


@pytest.mark.parametrize(
    "custom_data",
    [
        {f"k{i}": "v" for i in range(33)},  # more than 32 keys
        {"k": ""},  # empty value
        {"k": "v" * 4097},  # value too long
        {"": "v"},  # empty key
        {"k" * 129: "v"},  # key too long
        {f"k{i}": "v" * 4000 for i in range(5)},  # over 16 KiB in all
        {"k": 1},  # not a string
        ["k"],  # not an object
        None,
    ],
    ids=["keys", "empty", "long-value", "empty-key", "long-key", "total", "number", "list", "null"],
)
async def test_custom_data_limits_are_422(client: httpx.AsyncClient, custom_data: object) -> None:
    session = await hosted(client)
    response = await _link(client, session, body=_body(custom_data=custom_data))
    assert response.status_code == 422


async def test_custom_data_at_its_limits_is_accepted(client: httpx.AsyncClient) -> None:
    session = await hosted(client)
    data = {f"k{i:02}": "v" * 500 for i in range(32)}
    assert (await _link(client, session, body=_body(custom_data=data))).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"platform_session_id_base64": LOBBY},
        {"platform_session_type": "", "platform_session_id_base64": LOBBY},
        {"platform_session_type": "t" * 129, "platform_session_id_base64": LOBBY},
        _body(players=[]),
        _body(platform="Steam"),
    ],
    ids=["no-type", "empty-type", "long-type", "players", "platform"],
)
async def test_other_bad_bodies_are_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    session = await hosted(client)
    assert (await _link(client, session, body=body)).status_code == 422
