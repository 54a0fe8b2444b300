"""GET /sessions pages: `take`, and a cursor that stays right while sessions come and go."""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from lobbyd.kit.pagination import Cursors
from tests.conftest import client_for
from tests.directory.conftest import Hosted, hosted, query
from tests.helpers import error, register


async def _many(client: httpx.AsyncClient, count: int, **options: Any) -> list[Hosted]:
    return [await hosted(client, keywords=["k"], **options) for _ in range(count)]


async def _all_pages(
    client: httpx.AsyncClient, caller: dict[str, str], **params: Any
) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        extra = {"cursor": cursor} if cursor else {}
        body = await query(client, caller, **params, **extra)
        pages.append([result["session_id"] for result in body["results"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_take_limits_the_page_and_the_cursor_continues(client: httpx.AsyncClient) -> None:
    sessions = await _many(client, 5)
    caller = await register(client)
    ids = [session.session_id for session in sessions]
    assert await _all_pages(client, caller.auth, keyword="k", take=2) == [
        ids[:2],
        ids[2:4],
        ids[4:],
    ]


async def test_the_last_full_page_has_no_next_cursor(client: httpx.AsyncClient) -> None:
    await _many(client, 2)
    caller = await register(client)
    assert (await query(client, caller.auth, keyword="k", take=2))["next_cursor"] is None


async def test_take_defaults_to_100(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await _many(client, 101)
    first = await query(client, admin, keyword="k")
    assert len(first["results"]) == 100
    assert first["next_cursor"] is not None


async def test_sessions_ending_meanwhile_shift_nothing(client: httpx.AsyncClient) -> None:
    sessions = await _many(client, 6)
    caller = await register(client)
    first = await query(client, caller.auth, keyword="k", take=3)
    for gone in (sessions[0], sessions[3]):  # one already shown, one not yet
        await client.delete(f"/sessions/{gone.session_id}", headers=gone.auth)
    second = await query(client, caller.auth, keyword="k", take=3, cursor=first["next_cursor"])
    assert [r["session_id"] for r in second["results"]] == [
        sessions[4].session_id,
        sessions[5].session_id,
    ]


async def test_sessions_launched_meanwhile_come_on_later_pages(
    client: httpx.AsyncClient,
) -> None:
    sessions = await _many(client, 3)
    caller = await register(client)
    first = await query(client, caller.auth, keyword="k", take=2)
    newcomer = await hosted(client, keywords=["k"])
    second = await query(client, caller.auth, keyword="k", take=2, cursor=first["next_cursor"])
    assert [r["session_id"] for r in second["results"]] == [
        sessions[2].session_id,
        newcomer.session_id,
    ]


async def test_the_page_size_may_change_between_pages(client: httpx.AsyncClient) -> None:
    sessions = await _many(client, 4)
    caller = await register(client)
    first = await query(client, caller.auth, keyword="k", take=1)
    rest = await query(client, caller.auth, keyword="k", take=10, cursor=first["next_cursor"])
    assert [r["session_id"] for r in rest["results"]] == [s.session_id for s in sessions[1:]]


async def test_a_cursor_with_other_filters_is_400_bad_cursor(client: httpx.AsyncClient) -> None:
    await _many(client, 3)
    caller = await register(client)
    cursor = (await query(client, caller.auth, keyword="k", take=1))["next_cursor"]
    for params in ({"keyword": "j"}, {"keyword": "k", "type": "default"}, {}):
        response = await client.get(
            "/sessions", params={**params, "cursor": cursor}, headers=caller.auth
        )
        error(response, 400, "bad_cursor")


async def test_a_malformed_cursor_is_400_bad_cursor(client: httpx.AsyncClient) -> None:
    caller = await register(client)
    for cursor in ("nonsense", "!!!!", "AAAAAAAAAAAAAAAAAAAAAA"):
        response = await client.get(
            "/sessions", params={"keyword": "k", "cursor": cursor}, headers=caller.auth
        )
        error(response, 400, "bad_cursor")


async def test_pages_of_the_admin_listing_cover_every_session_once(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    sessions = await _many(client, 5)
    pages = await _all_pages(client, admin, take=2)
    assert [sid for page in pages for sid in page] == [s.session_id for s in sessions]


async def test_pages_skip_sessions_that_do_not_match_without_coming_up_short(
    client: httpx.AsyncClient,
) -> None:
    mixed = [await hosted(client, keywords=["k"], type=kind) for kind in "abababab"]
    caller = await register(client)
    pages = await _all_pages(client, caller.auth, keyword="k", type="b", take=2)
    assert pages == [
        [mixed[1].session_id, mixed[3].session_id],
        [mixed[5].session_id, mixed[7].session_id],
    ]


def _unkeyed_cursor(last: int, *filters: object) -> str:
    """A cursor as anyone could compute one without the server's key (the old, unsigned form:
    the position and an unkeyed digest of the filters)."""
    text = "\x1f".join("" if part is None else str(part) for part in filters)
    scope = hashlib.blake2b(text.encode(), digest_size=8).digest()
    raw = struct.pack(">Q8s", last, scope)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


K_FILTERS = ("sessions", "k", None, None, None, False, False, False)


@pytest.mark.parametrize("last", [0, 2**63 - 1, 2**64 - 1], ids=["start", "2^63-1", "2^64-1"])
async def test_a_cursor_not_made_by_the_server_is_400_bad_cursor(
    client: httpx.AsyncClient, last: int
) -> None:
    await _many(client, 2)
    caller = await register(client)
    response = await client.get(
        "/sessions",
        params={"keyword": "k", "cursor": _unkeyed_cursor(last, *K_FILTERS)},
        headers=caller.auth,
    )
    error(response, 400, "bad_cursor")


async def test_a_cursor_signed_with_another_key_is_400_bad_cursor(
    client: httpx.AsyncClient,
) -> None:
    await _many(client, 2)
    caller = await register(client)
    forged = Cursors(b"not the server's key " * 2).encode(0, *K_FILTERS)
    response = await client.get(
        "/sessions", params={"keyword": "k", "cursor": forged}, headers=caller.auth
    )
    error(response, 400, "bad_cursor")


async def test_replicas_without_a_configured_key_accept_each_others_cursors(
    make_app: Callable[..., Any],
) -> None:
    first, second = await make_app(), await make_app()
    async with client_for(first) as one, client_for(second) as other:
        sessions = await _many(one, 3)
        caller = await register(one)
        page = await query(one, caller.auth, keyword="k", take=1)
        rest = await query(other, caller.auth, keyword="k", cursor=page["next_cursor"])
    assert [r["session_id"] for r in rest["results"]] == [s.session_id for s in sessions[1:]]


async def test_a_configured_cursor_key_signs_the_cursors(make_app: Callable[..., Any]) -> None:
    first = await make_app(cursor_secret="cursor-key-one-" + "a" * 32)
    second = await make_app(cursor_secret="cursor-key-two-" + "b" * 32)
    async with client_for(first) as one, client_for(second) as other:
        await _many(one, 2)
        caller = await register(one)
        page = await query(one, caller.auth, keyword="k", take=1)
        response = await other.get(
            "/sessions",
            params={"keyword": "k", "cursor": page["next_cursor"]},
            headers=caller.auth,
        )
    error(response, 400, "bad_cursor")
