"""`Heartbeat`: keeps a session alive from a background task while the program runs.

lobbyd ends a host's session (and marks a guest inactive) after `timeout` seconds without a sign
of life. A `Heartbeat` sends one at once, then every `interval` seconds (by default a third of
the `timeout` the server answered, so two may be lost in a row), and renews the client's token
before it expires, so a long-running tool stays logged in too:

    async with lobby.keep_alive(session.session_id) as heartbeat:
        ...  # the session stays alive here
    # heartbeat.beats, heartbeat.last (the server's last answer), heartbeat.error

Transient failures (the network, a 5xx, a 429) are retried sooner, and counted in `failures`.
A refusal (401, 403, 404, 409, 410, 422: the session ended, this player left, the token is no
longer valid) stops the task: `error` holds the `ApiError`, and `wait()` returns it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from lobbyd_client.errors import ApiError
from lobbyd_client.models import HeartbeatAnswer

if TYPE_CHECKING:
    from lobbyd_client.http import LobbydClient

#: Seconds between beats before the server said its timeout (it answers the first beat).
DEFAULT_INTERVAL = 20.0
#: At most this many seconds before a failed beat is retried.
RETRY_AFTER = 1.0
#: Statuses after which beating again is pointless.
FINAL = frozenset({400, 401, 403, 404, 409, 410, 422})


class Heartbeat:
    """Heartbeats for one session from a background task (use as `async with`, or call
    `start()` and `stop()`). `players` (a list, changeable at any time) are the guests present in
    the host's game, whom the host vouches for."""

    def __init__(
        self,
        client: LobbydClient,
        session_id: int,
        players: Iterable[str] = (),
        *,
        interval: float | None = None,
        renew_margin: float = 60.0,
    ) -> None:
        if interval is not None and interval <= 0:
            raise ValueError("interval must be positive")
        self.client = client
        self.session_id = session_id
        self.players = list(players)
        self.interval = interval
        self.renew_margin = renew_margin
        self.beats = 0  # heartbeats the server accepted
        self.failures = 0  # transient failures (retried)
        self.renewals = 0  # token renewals
        self.last: HeartbeatAnswer | None = None  # the server's last answer
        self.error: ApiError | None = None  # the refusal that stopped the task
        self._task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return (
            f"Heartbeat(session_id={self.session_id!r}, beats={self.beats}, "
            f"running={self.running}, error={self.error!r})"
        )

    async def __aenter__(self) -> Heartbeat:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def running(self) -> bool:
        """Whether the background task still beats."""
        return self._task is not None and not self._task.done()

    def next_interval(self) -> float:
        """Seconds until the next beat: `interval`, or a third of the server's timeout."""
        if self.interval is not None:
            return self.interval
        if self.last is not None:
            return max(self.last.timeout / 3, 0.01)
        return DEFAULT_INTERVAL

    async def beat(self) -> HeartbeatAnswer:
        """One heartbeat now (renewing the token first when it is about to expire)."""
        expires = self.client.token_expires_at
        if expires is not None and time.monotonic() >= expires - self.renew_margin:
            await self.client.renew()
            self.renewals += 1
        self.last = await self.client.heartbeat(self.session_id, self.players)
        self.beats += 1
        return self.last

    async def start(self) -> None:
        """Beat once (raising `ApiError` if the server refuses), then keep beating."""
        if self.running:
            return
        await self.beat()
        self.error = None
        self._task = asyncio.create_task(self._run(), name=f"lobbyd-heartbeat-{self.session_id}")

    async def stop(self) -> None:
        """Stop beating (the session then lives until the server's timeout)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def wait(self) -> ApiError | None:
        """Wait until the task stops by itself (a refusal, returned) or is stopped (None)."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._task)
        return self.error

    async def _run(self) -> None:
        delay = self.next_interval()
        while True:
            await asyncio.sleep(delay)
            try:
                await self.beat()
            except ApiError as refused:
                if refused.status in FINAL:
                    self.error = refused
                    return
                self.failures += 1
                delay = min(self.next_interval(), RETRY_AFTER)
            except httpx.HTTPError:
                self.failures += 1
                delay = min(self.next_interval(), RETRY_AFTER)
            else:
                delay = self.next_interval()
