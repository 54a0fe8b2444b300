"""Shutdown lets requests in flight finish before it closes the database."""

from __future__ import annotations

import asyncio
from typing import Any

from lobbyd.app import create_app
from lobbyd.app.drain import CountInFlight, InFlight
from lobbyd.config import Settings
from tests.conftest import JWT_SECRET, client_for, empty_tables
from tests.helpers import register


async def test_shutdown_waits_for_a_request_in_flight(database_url: str) -> None:
    await empty_tables(database_url)
    app = create_app(Settings(database_url=database_url, jwt_secret=JWT_SECRET))
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    async with client_for(app) as client:
        account = await register(client)
    release = asyncio.Event()
    answered: list[int] = []

    async def slow_request() -> None:
        tracker: InFlight = app.state.in_flight
        tracker.enter()  # a request whose answer is still being computed when shutdown starts
        try:
            await release.wait()
            async with client_for(app) as client:
                response = await client.get(f"/hosts/{account.uuid}", headers=account.auth)
            answered.append(response.status_code)
        finally:
            tracker.leave()

    request = asyncio.create_task(slow_request())
    await asyncio.sleep(0)
    shutdown = asyncio.create_task(lifespan.__aexit__(None, None, None))
    await asyncio.sleep(0.05)
    assert not shutdown.done()  # waiting for the request; the database is still open
    release.set()
    await request
    await shutdown
    assert answered == [200]


async def test_the_count_follows_http_requests_only() -> None:
    tracker = InFlight()
    seen: list[int] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(tracker.active)

    middleware = CountInFlight(inner, tracker)
    await middleware({"type": "http"}, None, None)  # type: ignore[arg-type]
    await middleware({"type": "websocket"}, None, None)  # type: ignore[arg-type]
    assert seen == [1, 0]
    assert tracker.active == 0
    assert await tracker.drained(0.01)
