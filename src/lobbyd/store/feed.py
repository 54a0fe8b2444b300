"""One subscriber's bounded, gap-free stream of changes (the `Subscription` of both backends)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from lobbyd.errors import Unavailable
from lobbyd.store.base import Change
from lobbyd.store.codec import lagged


class Feed:
    """A subscription: changes in version order without gaps, at most `limit` waiting.

    The backend offers live changes; a change that skips versions is held and reported, and
    the backend answers with the missing ones (`resume`). A consumer that lets `limit` changes
    pile up is dropped: its queue is freed and iteration raises SubscriptionLagged.
    """

    def __init__(
        self, key: str, limit: int, since: int | None, on_close: Callable[[Feed], None]
    ) -> None:
        self.key = key
        self.last = since  # version of the newest change accepted (None: take the first)
        self._limit = limit
        self._on_close = on_close
        self._queue: deque[Change] = deque()
        self._held: list[Change] | None = None  # live changes waiting for a gap to be filled
        self._waiter: asyncio.Future[None] | None = None
        self._lagged = False
        self._ended = False
        self._unreachable = False

    @property
    def active(self) -> bool:
        """Neither ended, closed nor dropped."""
        return not (self._ended or self._lagged or self._unreachable)

    @property
    def catching_up(self) -> bool:
        """Waiting for changes after `last` before it can take live ones."""
        return self._held is not None

    @property
    def backlog(self) -> int:
        """Changes held in memory for this subscriber (never more than the limit)."""
        return len(self._queue) + len(self._held or ())

    def __aiter__(self) -> Feed:
        """Iterate changes; raises SubscriptionLagged if dropped for lag."""
        return self

    async def __anext__(self) -> Change:
        """The next change, waiting for it."""
        while not self._queue:
            if self._lagged:
                raise lagged()
            if self._unreachable:
                raise Unavailable("the sync store became unreachable; reconnect with since=")
            if self._ended:
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._queue.popleft()

    async def close(self) -> None:
        """Stop receiving."""
        self._queue.clear()
        self.end()

    def hold(self) -> None:
        """Hold live changes until `resume` has delivered everything after `last`."""
        if self._held is None:
            self._held = []

    def offer(self, change: Change) -> bool:
        """Take the next live change; True when it reveals a gap the backend must fill."""
        if self._held is not None:
            self._held.append(change)
            self._check_bound()
            return False
        last = self.last
        if last is None or change.version == last + 1:
            self._push(change)
            return False
        if change.version <= last:
            return False
        self._held = [change]
        self._check_bound()
        return self.active

    def resume(self, changes: list[Change]) -> bool:
        """Deliver fetched changes, then the held ones; False while a gap remains."""
        pending = [*changes, *(self._held or ())]
        self._held = None
        for index, change in enumerate(pending):
            if not self.active:
                return True
            if self.last is not None and change.version <= self.last:
                continue
            if self.last is not None and change.version > self.last + 1:
                self._held = pending[index:]
                return False
            self._push(change)
        return True

    def fail(self) -> None:
        """Drop the subscriber: free what it holds; iteration raises SubscriptionLagged."""
        if self.active:
            self._lagged = True
            self._queue.clear()
            self._finish()

    def lose(self) -> None:
        """The store became unreachable: the stream ends, after the queued changes, with
        Unavailable (rather than going silent until the store is back)."""
        if self.active:
            self._unreachable = True
            self._finish()

    def end(self) -> None:
        """End the stream once the queued changes are consumed."""
        if self.active:
            self._ended = True
            self._finish()

    def _finish(self) -> None:
        self._held = None
        self._wake()
        self._on_close(self)

    def _push(self, change: Change) -> None:
        if len(self._queue) >= self._limit:
            self.fail()
            return
        self._queue.append(change)
        self.last = change.version
        self._wake()

    def _check_bound(self) -> None:
        if self.backlog > self._limit:
            self.fail()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
