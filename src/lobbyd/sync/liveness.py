"""An open sync socket is a sign of life for its member (docs/concepts.md).

One task per process touches every (session, member) with an open socket every `interval`
seconds (a third of the session timeout, so two touches can fail before a timeout is near);
it runs only while sockets are open. Tests call `touch_all` after moving their clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable

from lobbyd.errors import LobbydError

log = logging.getLogger("lobbyd.sync")

Touch = Callable[[int, str], Awaitable[None]]


class Liveness:
    """The members with open sockets, and the loop that keeps them alive."""

    def __init__(self, touch: Touch, interval: float) -> None:
        self._touch = touch
        self.interval = interval
        self._open: Counter[tuple[int, str]] = Counter()
        self._task: asyncio.Task[None] | None = None
        self._touching = False

    @property
    def open(self) -> int:
        """Sockets of members open right now (admins' sockets are not counted)."""
        return self._open.total()

    def opened(self, session_id: int, player: str) -> None:
        """A member's socket opened: keep it alive until `closed`."""
        self._open[(session_id, player)] += 1
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="lobbyd-liveness")

    def closed(self, session_id: int, player: str) -> None:
        """A member's socket closed."""
        member = (session_id, player)
        self._open[member] -= 1
        if self._open[member] <= 0:
            del self._open[member]
        # Cancel only a sleeping loop: a touch cut short could leave its transaction open.
        if not self._open and self._task is not None and not self._touching:
            self._task.cancel()
            self._task = None

    async def touch(self, session_id: int, player: str) -> None:
        """Record life of one member now; a backend failure is logged, never raised."""
        try:
            await self._touch(session_id, player)
        except LobbydError as error:  # the database is away: the next round tries again
            log.warning("could not record life of %s in session %s: %s", player, session_id, error)

    async def touch_all(self) -> None:
        """Record life of every member with an open socket, one after another."""
        for session_id, player in list(self._open):
            await self.touch(session_id, player)

    async def close(self) -> None:
        """Stop the loop (the sockets end on their own)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while self._open:
            await asyncio.sleep(self.interval)
            self._touching = True
            try:
                await self.touch_all()
            except Exception:  # never let one bad round stop keeping sessions alive
                log.exception("touching open sockets failed")
            finally:
                self._touching = False
        if self._task is asyncio.current_task():
            self._task = None
