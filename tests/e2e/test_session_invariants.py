"""Section 9's invariants under real concurrency: two `lobbyd serve` workers sharing a database,
driven over real sockets by many concurrent clients. TEST_LOBBYD_WORKERS=4 runs them on four."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.backends import database, delete_keys, redis_prefix, shared_redis
from tests.processes import Server, lobbyd_serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Server]:
    """`lobbyd serve --workers 2` over a fresh database."""
    workdir = tmp_path_factory.mktemp("invariants")
    redis_url, prefix = shared_redis(), redis_prefix()  # several workers need Redis
    async with database(str(request.param), workdir) as url:
        env = {"LOBBYD_DATABASE_URL": url, "LOBBYD_REGISTER_RATE": "0", "LOBBYD_LOGIN_RATE": "0"}
        env |= {"LOBBYD_REDIS_URL": redis_url, "LOBBYD_REDIS_PREFIX": prefix}
        workers = os.environ.get("TEST_LOBBYD_WORKERS", "2")
        try:
            with lobbyd_serve(env, "--workers", workers, cwd=Path(workdir)) as running:
                yield running
        finally:
            await delete_keys(redis_url, prefix)


async def _host(client: httpx.AsyncClient, *, open_to_all: bool = True) -> dict[str, str]:
    body = (await client.post("/hosts")).json()
    token = (
        await client.get(f"/hosts/{body['uuid']}/access_token", auth=(body["uuid"], body["secret"]))
    ).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    if open_to_all:
        await client.put(
            f"/hosts/{body['uuid']}/only_friends", json={"only_friends": False}, headers=auth
        )
        await client.put(
            f"/hosts/{body['uuid']}/allow_nonames", json={"allow_nonames": True}, headers=auth
        )
    return {"uuid": body["uuid"], **auth}


def _auth(host: dict[str, str]) -> dict[str, str]:
    return {"Authorization": host["Authorization"]}


async def _launch(
    client: httpx.AsyncClient, host: dict[str, str], **options: object
) -> httpx.Response:
    return await client.post(
        "/sessions", json={"host": host["uuid"], **options}, headers=_auth(host)
    )


def _client(server: Server) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=64)
    return httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits)


async def test_200_concurrent_joins_into_8_seats_admit_exactly_7(server: Server) -> None:
    async with _client(server) as client:
        host = await _host(client)
        sid = (await _launch(client, host, capacity=8)).json()["session_id"]
        answers = await asyncio.gather(
            *(
                client.post(
                    "/sessions/players",
                    json={"host": host["uuid"], "guest": f"g{i}"},
                    headers=_auth(host),
                )
                for i in range(200)
            )
        )
        statuses = Counter(answer.status_code for answer in answers)
        assert statuses == {200: 7, 400: 193}, statuses
        assert {a.json()["code"] for a in answers if a.status_code == 400} == {"session_full"}
        view = (await client.get(f"/sessions/{sid}", headers=_auth(host))).json()
        assert len(view["members"]) == 8


async def test_one_guest_joining_two_hosts_at_once_lands_in_exactly_one(server: Server) -> None:
    async with _client(server) as client:
        first, second = await _host(client), await _host(client)
        await _launch(client, first, capacity=64)
        await _launch(client, second, capacity=64)
        for round_ in range(20):
            guest = f"both-{round_}"
            answers = await asyncio.gather(
                *(
                    client.post(
                        "/sessions/players",
                        json={"host": h["uuid"], "guest": guest},
                        headers=_auth(h),
                    )
                    for h in (first, second)
                )
            )
            assert sorted(a.status_code for a in answers) == [200, 400], [a.text for a in answers]
            loser = next(a for a in answers if a.status_code == 400)
            assert loser.json()["code"] == "in_another_session"


async def test_joins_racing_a_ban_leave_no_banned_guest_once_the_ban_returned(
    server: Server,
) -> None:
    async with _client(server) as client:
        host = await _host(client)
        sid = (await _launch(client, host, capacity=64)).json()["session_id"]
        for round_ in range(25):
            guest = f"racer-{round_}"
            join = client.post(
                "/sessions/players",
                json={"host": host["uuid"], "guest": guest},
                headers=_auth(host),
            )
            ban = client.post(
                f"/hosts/{host['uuid']}/banlist", params={"banned": guest}, headers=_auth(host)
            )
            joined, banned = await asyncio.gather(join, ban)
            assert banned.status_code == 200
            assert joined.status_code in (200, 404), joined.text
            view = (await client.get(f"/sessions/{sid}", headers=_auth(host))).json()
            assert guest not in [m["player"] for m in view["members"]]


async def test_100_concurrent_launches_by_one_host_make_one_session(server: Server) -> None:
    async with _client(server) as client:
        host = await _host(client)
        answers = await asyncio.gather(*(_launch(client, host) for _ in range(100)))
        assert {a.status_code for a in answers} <= {200, 201}, [
            a.text for a in answers if a.status_code >= 300
        ][:3]
        assert Counter(a.status_code for a in answers)[201] == 1
        assert len({a.json()["session_id"] for a in answers}) == 1


async def test_session_ids_never_repeat_across_workers(server: Server) -> None:
    async with _client(server) as client:
        hosts = [await _host(client) for _ in range(10)]

        async def cycle(host: dict[str, str]) -> list[int]:
            ids = []
            for _ in range(5):
                sid = (await _launch(client, host)).json()["session_id"]
                ids.append(sid)
                assert (
                    await client.delete(f"/sessions/{sid}", headers=_auth(host))
                ).status_code == 204
            return ids

        ids = [sid for batch in await asyncio.gather(*(cycle(h) for h in hosts)) for sid in batch]
        assert len(ids) == len(set(ids)) == 50


@pytest.mark.parametrize("round_", range(5))
async def test_launch_and_join_races_hold_round_after_round(server: Server, round_: int) -> None:
    """The checks above, again and again: a launch race once answered 409 host_is_guest to a
    launch that lost it (it saw the winner's host membership before its session)."""
    async with _client(server) as client:
        host = await _host(client)
        launches = await asyncio.gather(*(_launch(client, host, capacity=8) for _ in range(50)))
        assert Counter(a.status_code for a in launches) == {201: 1, 200: 49}, [
            a.text for a in launches if a.status_code >= 300
        ][:3]
        joins = await asyncio.gather(
            *(
                client.post(
                    "/sessions/players",
                    json={"host": host["uuid"], "guest": f"r{round_}-{i}"},
                    headers=_auth(host),
                )
                for i in range(50)
            )
        )
        assert Counter(a.status_code for a in joins) == {200: 7, 400: 43}
