"""Signals across replicas through Redis pub/sub.

Every replica keeps one pub/sub connection subscribed to one channel, `P signals`; a signal is
published there as `key \\n player \\n text` and each replica hands it to its local inboxes of
that addressee (most replicas have none and drop it at once). One channel keeps delivery
simple and free of subscription races: a socket hears every signal sent after it is listening,
whichever replica the sender is on. Redis delivers a channel's messages in publish order, so
signals stay in order per sender and addressee.

Pub/sub is at most once: a signal published while a replica is reconnecting is lost for its
sockets, which is what signals promise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.maint_notifications import MaintNotificationsConfig

from lobbyd.errors import Unavailable
from lobbyd.store.signals import QUEUE_MAX, Inbox, Inboxes

log = logging.getLogger("lobbyd.store")

_RETRY_FIRST, _RETRY_MAX = 0.05, 1.0  # seconds between reconnection attempts
#: Seconds a new listener waits for the replica's subscription to be live (at start only).
READY_WAIT = 2.0
_CONNECTION: dict[str, object] = {
    "socket_connect_timeout": 1.0,
    "retry": Retry(NoBackoff(), 0),
    "decode_responses": True,
    "maint_notifications_config": MaintNotificationsConfig(enabled=False),
}


class RedisSignals:
    """The bus over Redis: publish with any connection, listen on one per process."""

    def __init__(self, url: str, *, prefix: str, queue_max: int = QUEUE_MAX) -> None:
        self.channel = f"{prefix}signals"
        self.inboxes = Inboxes(queue_max)
        pool = ConnectionPool.from_url(url, socket_timeout=2.0, max_connections=32, **_CONNECTION)
        self._redis = Redis(connection_pool=pool)
        listening = ConnectionPool.from_url(url, client_name=f"{prefix}signals", **_CONNECTION)
        self._listener = Redis(connection_pool=listening)
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def publish(self, key: str, player: str, text: str) -> None:
        """PUBLISH to every replica; Unavailable when Redis does not answer."""
        try:
            await self._redis.publish(self.channel, f"{key}\n{player}\n{text}")
        except (RedisError, OSError, TimeoutError) as error:
            raise Unavailable() from error

    async def listen(self, key: str, player: str) -> Inbox:
        """A local inbox; the first one starts this replica's subscription and waits (a
        moment, at most) until it is live."""
        if self._task is None and not self._closed:
            self._task = asyncio.create_task(self._run(), name="lobbyd-signals")
        if not self._ready.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(READY_WAIT):
                    await self._ready.wait()
        return self.inboxes.add(key, player)

    async def close(self) -> None:
        """Stop listening and release the connections."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._listener.aclose()
        await self._redis.aclose()

    async def _run(self) -> None:
        delay = _RETRY_FIRST
        while not self._closed:
            pubsub = self._listener.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                delay = _RETRY_FIRST
                await self._read(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any failure: reconnect, never give up
                log.warning("signal pub/sub connection lost (%r); reconnecting", error)
            finally:
                self._ready.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(delay)
            delay = min(delay * 2, _RETRY_MAX)

    async def _read(self, pubsub: PubSub) -> None:
        async for message in pubsub.listen():
            kind = message.get("type")
            if kind == "subscribe":
                self._ready.set()
            elif kind == "message":
                key, _, rest = str(message["data"]).partition("\n")
                player, _, text = rest.partition("\n")
                self.inboxes.deliver(key, player, text)
