"""Concurrent heartbeats and joins as the host times out: every answer is a 404, none a 500."""

from __future__ import annotations

import asyncio

import httpx

from lobbyd.kit.clock import ManualClock
from tests.helpers import error, register
from tests.sessions.conftest import launch

TIMEOUT = 60.0
RACERS = 8


async def test_concurrent_heartbeats_of_a_timed_out_host_are_all_404(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    for _ in range(5):
        host = await register(client)
        sid = (await launch(client, host))["session_id"]
        clock.advance(TIMEOUT + 1)
        answers = await asyncio.gather(
            *(client.post(f"/sessions/{sid}/heartbeat", headers=host.auth) for _ in range(RACERS))
        )
        for answer in answers:
            body = error(answer, 404, "session_ended")
            assert body["reason"] == "host_timeout"


async def test_concurrent_joins_into_a_timed_out_session_are_all_404(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    host = await register(client)
    await launch(client, host)
    clock.advance(TIMEOUT + 1)
    answers = await asyncio.gather(
        *(
            client.post(
                "/sessions/players", json={"host": host.uuid, "guest": f"n{i}"}, headers=host.auth
            )
            for i in range(RACERS)
        )
    )
    for answer in answers:
        error(answer, 404, "no_session")
