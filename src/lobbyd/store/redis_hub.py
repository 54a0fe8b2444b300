"""Fan-out of Redis pub/sub to local subscribers: one connection per process, gap-free.

A *topic* is one document's channel while local subscribers follow it: SUBSCRIBE on the first,
UNSUBSCRIBE after the last, all on one pub/sub connection. Each change is parsed once and
offered to every feed of the topic (bounded queues; see Feed).

Order without gaps: the topic remembers the last version it fanned out. A message that skips
versions (a lost notification, or one missed while reconnecting) is held while the missing
changes are read from the log; when the log no longer has them, every feed of the topic is
dropped (SubscriptionLagged: the WebSocket sends a fresh snapshot). A feed that subscribes
with `since` first reads what it missed from the log, once the channel is live, so nothing
published between its snapshot and the SUBSCRIBE is lost. After a reconnect every channel is
subscribed again and every topic checks the log for what it missed. When Redis itself cannot be
reached (the reconnection fails), every feed ends with Unavailable instead of waiting silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from lobbyd.errors import NotFound, Unavailable
from lobbyd.store.base import Change
from lobbyd.store.codec import parse_change
from lobbyd.store.feed import Feed
from lobbyd.store.redis_scripts import DELETED, EPOCH_LENGTH

log = logging.getLogger("lobbyd.store")

# changes_since with the incarnation id of the document.
Fetch = Callable[[str, int], Awaitable[tuple[str, list[Change] | None]]]
_RETRY_FIRST, _RETRY_MAX = 0.05, 1.0  # seconds between reconnection attempts


@dataclass(eq=False)
class _Topic:
    key: str
    channel: str
    feeds: set[Feed] = field(default_factory=set)
    version: int | None = None  # the last change fanned out
    epoch: str | None = None  # the incarnation of the document those changes belong to
    live: bool = False  # the SUBSCRIBE is confirmed on the current connection
    held: list[Change] | None = None  # messages waiting while a gap is filled
    task: asyncio.Task[None] | None = None


class Hub:
    """Local subscribers of a RedisStore, fed from one pub/sub connection."""

    def __init__(
        self, client: Redis, channel_of: Callable[[str], str], fetch: Fetch, limit: int
    ) -> None:
        self._client = client
        self._channel_of = channel_of
        self._fetch = fetch
        self._limit = limit
        self._topics: dict[str, _Topic] = {}  # by channel
        self._requested: set[str] = set()  # channels subscribed on the current connection
        self._unconfirmed: Counter[str] = Counter()  # (UN)SUBSCRIBEs not yet answered
        self._dirty = asyncio.Event()
        self._catch_ups: dict[Feed, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._connection = 0  # generation: bumped whenever a pub/sub connection ends
        self._closed = False

    def subscribe(self, key: str, since: int | None) -> Feed:
        """A feed of `key`'s changes (from `since + 1` when given)."""
        feed = Feed(key, self._limit, since, self._detach)
        if self._closed:
            feed.end()
            return feed
        topic = self._topic(key)
        topic.feeds.add(feed)
        if since is not None and not (topic.live and topic.version == since):
            feed.hold()
            if topic.live:
                self._catch_up(topic, feed)
        if self._runner is None:
            self._runner = asyncio.get_running_loop().create_task(self._run())
        return feed

    async def close(self) -> None:
        """End every feed and the pub/sub connection."""
        self._closed = True
        for topic in list(self._topics.values()):
            for feed in list(topic.feeds):
                feed.end()
        self._connection += 1
        self._dirty.set()
        pending = {*self._tasks, *([self._runner] if self._runner else [])}
        # Python 3.11's wait_for (inside redis-py) can lose a cancellation: ask again.
        for _ in range(50):
            if not pending:
                break
            for task in pending:
                task.cancel()
            done, pending = await asyncio.wait(pending, timeout=0.1)
            _retrieve(done)

    def _topic(self, key: str) -> _Topic:
        channel = self._channel_of(key)
        topic = self._topics.get(channel)
        if topic is None:
            topic = self._topics[channel] = _Topic(key, channel)
            # Still subscribed from an earlier topic (its UNSUBSCRIBE not sent yet)?
            topic.live = channel in self._requested and not self._unconfirmed[channel]
            self._dirty.set()
        return topic

    def _detach(self, feed: Feed) -> None:
        _cancel(self._catch_ups.pop(feed, None))
        topic = self._topics.get(self._channel_of(feed.key))
        if topic is None or feed not in topic.feeds:
            return
        topic.feeds.discard(feed)
        if not topic.feeds:
            del self._topics[topic.channel]
            _cancel(topic.task)
            self._dirty.set()

    # The connection: reconnects forever, with backoff, until closed.

    async def _run(self) -> None:
        delay = _RETRY_FIRST
        while not self._closed:
            pubsub = self._client.pubsub()
            try:
                try:
                    await pubsub.connect()  # type: ignore[no-untyped-call]
                except Exception:
                    # Redis itself is unreachable (not just this connection): end every feed
                    # with Unavailable, so no subscriber waits in silence for the outage.
                    self._lose_all()
                    raise
                delay = _RETRY_FIRST
                await self._serve(pubsub)
            except Exception as error:  # any failure: reconnect, never give up
                log.warning("sync store pub/sub connection lost (%r); reconnecting", error)
            finally:
                self._requested.clear()
                self._unconfirmed.clear()
                for topic in self._topics.values():
                    topic.live = False
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(delay)
            delay = min(delay * 2, _RETRY_MAX)

    def _lose_all(self) -> None:
        for topic in list(self._topics.values()):
            for feed in list(topic.feeds):
                feed.lose()

    async def _serve(self, pubsub: PubSub) -> None:
        """Read and (un)subscribe on one connection until either fails."""
        self._dirty.set()
        tasks = {
            self._spawn(self._read(pubsub)),
            self._spawn(self._control(self._connection, pubsub)),
        }
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            # A control task whose cancellation is lost still wakes and sees it is stale.
            self._connection += 1
            self._dirty.set()
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)
            _retrieve(tasks)
        for task in done:
            task.result()

    async def _control(self, connection: int, pubsub: PubSub) -> None:
        """Keep the connection's channels equal to the topics (one command at a time)."""
        while True:
            await self._dirty.wait()
            if connection != self._connection:
                return
            self._dirty.clear()
            add = [channel for channel in self._topics if channel not in self._requested]
            drop = [channel for channel in self._requested if channel not in self._topics]
            self._requested.update(add)
            self._requested.difference_update(drop)
            self._unconfirmed.update(add + drop)
            if add:
                await pubsub.subscribe(*add)
            if drop:
                await pubsub.unsubscribe(*drop)

    async def _read(self, pubsub: PubSub) -> None:
        while True:
            message = await pubsub.get_message(timeout=None)
            if message is None:
                continue
            kind, channel = message["type"], message["channel"]
            if kind == "message":
                self._on_message(channel, message["data"])
            elif kind in ("subscribe", "unsubscribe"):
                self._on_confirmation(kind, channel)

    def _on_confirmation(self, kind: str, channel: str) -> None:
        if self._unconfirmed[channel] > 1:
            self._unconfirmed[channel] -= 1
            return
        del self._unconfirmed[channel]
        topic = self._topics.get(channel)
        if kind == "subscribe" and topic is not None:
            topic.live = True
            if topic.version is not None:
                self._fill(topic)
            for feed in list(topic.feeds):
                if feed.catching_up:
                    self._catch_up(topic, feed)

    def _on_message(self, channel: str, data: str) -> None:
        topic = self._topics.get(channel)
        if topic is None:
            return
        if data == DELETED:
            for feed in list(topic.feeds):
                feed.end()
            return
        if not self._same_incarnation(topic, data[:EPOCH_LENGTH]):
            return
        change = parse_change(data[EPOCH_LENGTH:])
        if topic.held is not None:
            topic.held.append(change)
            if len(topic.held) > self._limit:
                _drop(topic)
        elif topic.version is None or change.version == topic.version + 1:
            self._fan_out(topic, change)
        elif change.version > topic.version + 1:
            topic.held = [change]
            self._fill(topic)

    def _same_incarnation(self, topic: _Topic, epoch: str) -> bool:
        """False, with every feed dropped, when the document was created anew meanwhile."""
        if topic.epoch is None:
            topic.epoch = epoch
        elif topic.epoch != epoch:
            _drop(topic)
            return False
        return True

    def _fan_out(self, topic: _Topic, change: Change) -> None:
        topic.version = change.version
        for feed in tuple(topic.feeds):
            if feed.offer(change):
                self._catch_up(topic, feed)

    # Filling gaps from the log.

    def _fill(self, topic: _Topic) -> None:
        if topic.held is None:
            topic.held = []
        if topic.task is None:
            topic.task = self._spawn(self._filling(topic))

    async def _filling(self, topic: _Topic) -> None:
        try:
            while topic.held is not None and self._topics.get(topic.channel) is topic:
                assert topic.version is not None
                epoch, changes = await self._fetch(topic.key, topic.version)
                if changes is None or not self._same_incarnation(topic, epoch):
                    _drop(topic)
                    return
                self._settle(topic, changes)
        except (NotFound, Unavailable):
            _drop(topic)
        except Exception:
            log.exception("filling a gap in %s failed", topic.key)
            _drop(topic)
        finally:
            topic.task = None

    def _settle(self, topic: _Topic, changes: list[Change]) -> None:
        """Fan out the fetched changes, then the held messages, until a gap remains."""
        pending = [*changes, *(topic.held or ())]
        topic.held = None
        for index, change in enumerate(pending):
            assert topic.version is not None
            if change.version <= topic.version:
                continue
            if change.version > topic.version + 1:
                topic.held = pending[index:]
                return
            self._fan_out(topic, change)

    def _catch_up(self, topic: _Topic, feed: Feed) -> None:
        if topic.live and feed.active and feed not in self._catch_ups:
            self._catch_ups[feed] = self._spawn(self._catching_up(topic, feed))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _catching_up(self, topic: _Topic, feed: Feed) -> None:
        try:
            while feed.active and feed.last is not None:
                epoch, changes = await self._fetch(feed.key, feed.last)
                if not self._same_incarnation(topic, epoch):
                    return
                if changes is None:
                    feed.fail()
                elif feed.resume(changes):
                    if topic.version is None:  # the topic starts where this feed is
                        topic.version = feed.last
                    return
        except (NotFound, Unavailable):
            feed.fail()
        except Exception:
            log.exception("catching up a subscriber of %s failed", feed.key)
            feed.fail()
        finally:
            if self._catch_ups.get(feed) is asyncio.current_task():
                del self._catch_ups[feed]


def _retrieve(tasks: set[asyncio.Task[None]]) -> None:
    """Collect the outcome of finished tasks, so none is reported as never retrieved."""
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()


def _drop(topic: _Topic) -> None:
    for feed in list(topic.feeds):
        feed.fail()


def _cancel(task: asyncio.Task[None] | None) -> None:
    # A task may end its own topic or feed; it must not cancel itself on the way out.
    if task is not None and task is not asyncio.current_task():
        task.cancel()
