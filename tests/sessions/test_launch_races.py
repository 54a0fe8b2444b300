"""Concurrent launches by one host: one session, every answer 200 or 201 with its id (a launch
that loses the race answers the winner's session, never 409 host_is_guest)."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.helpers import register

RACERS = 100


async def test_concurrent_launches_by_one_host_all_answer_its_one_session(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(10):
        host = await register(client)
        answers = await asyncio.gather(
            *(
                client.post("/sessions", json={"host": host.uuid}, headers=host.auth)
                for _ in range(RACERS)
            )
        )
        statuses = Counter(answer.status_code for answer in answers)
        assert statuses == {201: 1, 200: RACERS - 1}, (
            statuses,
            [a.text for a in answers if a.status_code >= 300][:2],
        )
        assert len({answer.json()["session_id"] for answer in answers}) == 1
