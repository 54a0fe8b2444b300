"""Signals between members: ephemeral messages to one player's open sockets, on any replica.

Signals are not part of a document: not versioned, not logged, never replayed. Each is
delivered at most once, to the sockets listening at the moment it arrives, in the order the
bus got them (so in order per sender and addressee, as long as a sender sends one at a time).
A listener that falls `queue_max` signals behind loses the newest ones, never blocks others.

`MemorySignals` delivers in process; `RedisSignals` (signals_redis) through Redis pub/sub.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Protocol

#: Signals a listener may hold unread; beyond, new ones are dropped for it.
QUEUE_MAX = 256


class Inbox:
    """The signals for one socket: iterate to receive them; `close` to stop listening."""

    def __init__(self, registry: Inboxes, key: str, player: str, queue_max: int) -> None:
        self._registry = registry
        self.address = (key, player)
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(queue_max)
        self.dropped = 0
        self._closed = False

    def offer(self, text: str) -> None:
        """Queue one signal (dropped if the inbox is full: at most once, never blocking)."""
        if self._closed:
            return
        try:
            self._queue.put_nowait(text)
        except asyncio.QueueFull:
            self.dropped += 1

    async def __aiter__(self) -> AsyncIterator[str]:
        while (text := await self._queue.get()) is not None:
            yield text

    def close(self) -> None:
        """Stop listening; an iteration in progress ends."""
        if self._closed:
            return
        self._closed = True
        self._registry.remove(self)
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(None)


class Inboxes:
    """The local listeners by (key, player), and delivery to them."""

    def __init__(self, queue_max: int = QUEUE_MAX) -> None:
        self._queue_max = queue_max
        self._by_address: dict[tuple[str, str], set[Inbox]] = {}

    def add(self, key: str, player: str) -> Inbox:
        """A new inbox for `player`'s socket on document `key`."""
        inbox = Inbox(self, key, player, self._queue_max)
        self._by_address.setdefault(inbox.address, set()).add(inbox)
        return inbox

    def remove(self, inbox: Inbox) -> None:
        """Forget an inbox (idempotent)."""
        listeners = self._by_address.get(inbox.address)
        if listeners is not None:
            listeners.discard(inbox)
            if not listeners:
                del self._by_address[inbox.address]

    def deliver(self, key: str, player: str, text: str) -> int:
        """Offer a signal to every local inbox of the addressee; how many there were."""
        listeners = self._by_address.get((key, player), ())
        for inbox in listeners:
            inbox.offer(text)
        return len(listeners)


class SignalBus(Protocol):
    """Carries signals to the addressee's sockets wherever they are connected."""

    async def publish(self, key: str, player: str, text: str) -> None:
        """Send `text` (an encoded signal message) to `player`'s sockets on document `key`;
        Unavailable if the bus cannot take it."""
        ...

    async def listen(self, key: str, player: str) -> Inbox:
        """An inbox receiving, from now on, the signals sent to `player` on `key`."""
        ...

    async def close(self) -> None:
        """Stop delivering; release connections."""
        ...


class MemorySignals:
    """The in-process bus (with the in-process store: one process)."""

    def __init__(self, queue_max: int = QUEUE_MAX) -> None:
        self.inboxes = Inboxes(queue_max)

    async def publish(self, key: str, player: str, text: str) -> None:
        """Deliver at once to the local inboxes."""
        self.inboxes.deliver(key, player, text)

    async def listen(self, key: str, player: str) -> Inbox:
        """A new local inbox."""
        return self.inboxes.add(key, player)

    async def close(self) -> None:
        """Nothing to release."""
