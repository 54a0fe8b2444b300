"""Requests in flight, so shutdown can let them finish before closing the database.

Some servers (granian) run the lifespan shutdown while requests are still being answered;
without this, those requests would fail on a closed pool during a rolling restart.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.types import ASGIApp, Receive, Scope, Send


class InFlight:
    """A count of HTTP requests being answered (WebSockets are closed, not awaited)."""

    def __init__(self) -> None:
        self.active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        """A request started."""
        self.active += 1
        self._idle.clear()

    def leave(self) -> None:
        """A request finished."""
        self.active -= 1
        if not self.active:
            self._idle.set()

    async def drained(self, seconds: float) -> bool:
        """Wait until no request is in flight (at most `seconds`); True if none is."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), seconds)
        return not self.active


class CountInFlight:
    """ASGI middleware keeping an InFlight count."""

    def __init__(self, app: ASGIApp, tracker: InFlight) -> None:
        self.app = app
        self.tracker = tracker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request while it runs."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.tracker.enter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.tracker.leave()
