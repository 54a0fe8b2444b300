"""The in-process sync store: the embedded default (one process, nothing kept on restart).

Every operation runs without awaiting, so each is atomic on the event loop. Documents keep
their state as compact JSON text (what the limits measure, and what `get` decodes into the
caller's own copy) next to a private parsed copy for merging; nothing the caller passed in
is kept. Memory is bounded: the log by `log_size` changes and `log_bytes` bytes (and trimmed
by age on every write), each subscriber by `queue_max`, and documents given `expire` are swept
by the injected clock on every create and write (and checked on every access).
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from lobbyd.kit import mergepatch
from lobbyd.kit.clock import Clock
from lobbyd.store import codec
from lobbyd.store.base import JSON, Change, Document, Event, EventOutOfOrder, Limits
from lobbyd.store.feed import Feed


@dataclass(slots=True, eq=False)
class _Doc:
    log: deque[tuple[float, Change, int]]  # (time written, change, its bytes), oldest first
    log_bytes: int = 0  # bytes of the changes in `log`
    version: int = 1
    state: JSON = field(default_factory=dict)  # private: merged into, never handed out
    state_text: str = "{}"
    members: dict[str, str] = field(default_factory=dict)  # player -> compact JSON text
    applied: int = 0
    ended: bool = False
    expires_at: float | None = None


class MemoryStore:
    """Versioned documents, logs and fan-out held in this process."""

    def __init__(self, limits: Limits, clock: Clock) -> None:
        self._limits = limits
        self._clock = clock
        self._docs: dict[str, _Doc] = {}
        self._feeds: dict[str, set[Feed]] = {}
        self._expiries: list[tuple[float, str]] = []  # heap of (expires_at, key)
        self._sockets: dict[tuple[str, str], set[str]] = {}  # open sockets per member
        self._closed = False

    async def ping(self) -> None:
        """Always answers: the store is this process."""

    async def create(
        self, key: str, host: str, *, guests: Sequence[str] = (), applied: int = 0
    ) -> Document:
        """Create the document of a session if absent (idempotent)."""
        self._sweep()
        doc = self._live(key)
        if doc is None:
            members = dict.fromkeys((host, *guests), "{}")
            doc = _Doc(deque(), members=members, applied=applied)
            self._docs[key] = doc
        return _snapshot(doc)

    async def get(self, key: str) -> Document:
        """The current document."""
        return _snapshot(self._require(key))

    async def put_state(self, key: str, state: JSON, *, if_version: int | None = None) -> Change:
        """Replace state; a `state_replaced` change."""
        doc = self._writable(key, if_version)
        text = codec.dumps(state)
        if codec.size(text) > self._limits.state_max:
            raise codec.too_large("state", self._limits.state_max)
        doc.state, doc.state_text = json.loads(text), text
        return self._commit(
            key, doc, "state_replaced", {"state": state}, codec.field_text("state", text)
        )

    async def patch_state(self, key: str, patch: JSON, *, if_version: int | None = None) -> Change:
        """Apply an RFC 7396 merge patch to state; a `state_patch` change."""
        doc = self._writable(key, if_version)
        patch_text = codec.dumps(patch)
        # Merge a private copy, so the state never shares objects with the caller's patch.
        merged = mergepatch.apply(doc.state, json.loads(patch_text))
        text = codec.dumps(merged)
        if codec.size(text) > self._limits.state_max:
            raise codec.too_large("state", self._limits.state_max)
        doc.state, doc.state_text = merged, text
        data_text = codec.field_text("patch", patch_text)
        return self._commit(key, doc, "state_patch", {"patch": patch}, data_text)

    async def put_member(
        self, key: str, player: str, document: JSON, *, if_version: int | None = None
    ) -> Change:
        """Replace one member's sub-document; `member_updated`."""
        doc = self._writable(key, if_version)
        if player not in doc.members:
            raise codec.not_member(player)
        text = codec.dumps(document)
        if codec.size(text) > self._limits.member_max:
            raise codec.too_large("the member document", self._limits.member_max)
        doc.members[player] = text
        data = {"player": player, "document": document}
        return self._commit(key, doc, "member_updated", data, codec.member_text(player, text))

    async def apply_event(self, key: str, seq: int, event: Event) -> Change | None:
        """Apply membership event number `seq` exactly once and in order."""
        data, data_text = codec.event_fields(event)
        self._sweep()
        doc = self._require(key)
        if seq <= doc.applied:
            return None
        if seq > doc.applied + 1:
            raise EventOutOfOrder(doc.applied)
        doc.applied = seq
        if doc.ended:
            return None
        if event.type == "member_joined":
            doc.members[data["player"]] = "{}"
        elif event.type == "session_ended":
            doc.ended = True
        else:
            doc.members.pop(data["player"], None)
        return self._commit(key, doc, event.type, data, data_text)

    async def applied_events(self, key: str) -> int:
        """How many membership events the document has applied (0 if it does not exist)."""
        doc = self._live(key)
        return 0 if doc is None else doc.applied

    async def changes_since(self, key: str, version: int) -> list[Change] | None:
        """Changes after `version`, oldest first; None when no longer all kept."""
        return self._kept_since(self._require(key), version)

    def subscribe(self, key: str, *, since: int | None = None) -> Feed:
        """Live changes of `key`, from `since + 1` when given."""
        feed = Feed(key, self._limits.queue_max, since, self._detach)
        if self._closed:
            feed.end()
            return feed
        if since is not None:
            doc = self._live(key)
            missed = None if doc is None else self._kept_since(doc, since)
            if missed is None:
                feed.fail()
                return feed
            feed.resume(missed)
        self._feeds.setdefault(key, set()).add(feed)
        return feed

    async def expire(self, key: str, seconds: float) -> None:
        """Delete the document and its log `seconds` from now."""
        doc = self._live(key)
        if doc is not None:
            doc.expires_at = self._clock.now() + seconds
            heapq.heappush(self._expiries, (doc.expires_at, key))

    async def delete(self, key: str) -> None:
        """Delete the document and its log now, ending its subscriptions."""
        self._remove(key)

    async def claim_socket(
        self, key: str, player: str, socket_id: str, *, limit: int, ttl: float
    ) -> bool:
        """Count one more socket of `player` on `key` unless it holds `limit` (this process is
        the only one: claims never lapse, they are released)."""
        held = self._sockets.setdefault((key, player), set())
        if len(held) >= limit:
            return False
        held.add(socket_id)
        return True

    async def renew_sockets(self, claims: Sequence[tuple[str, str, str]], ttl: float) -> None:
        """Nothing to renew in one process."""

    async def release_socket(self, key: str, player: str, socket_id: str) -> None:
        """The socket closed."""
        held = self._sockets.get((key, player))
        if held is not None:
            held.discard(socket_id)
            if not held:
                del self._sockets[(key, player)]

    async def close(self) -> None:
        """End every subscription."""
        self._closed = True
        for feeds in list(self._feeds.values()):
            for feed in list(feeds):
                feed.end()

    def _kept_since(self, doc: _Doc, version: int) -> list[Change] | None:
        if version == doc.version:
            return []
        needed = doc.version - version
        if version > doc.version or needed > len(doc.log):
            return None
        kept = list(itertools.islice(doc.log, len(doc.log) - needed, None))
        if kept[0][0] < self._clock.now() - self._limits.log_age:
            return None
        return [change for _, change, _ in kept]

    def _commit(self, key: str, doc: _Doc, kind: str, data: JSON, data_text: str) -> Change:
        doc.version += 1
        change = Change(doc.version, kind, data, codec.change_text(kind, doc.version, data_text))
        now = self._clock.now()
        size = codec.size(change.as_text())
        doc.log.append((now, change, size))
        doc.log_bytes += size
        limits, log = self._limits, doc.log
        cutoff = now - limits.log_age
        # The change just added is never dropped: it is young, and alone it fits any bound.
        while len(log) > 1 and (
            len(log) > limits.log_size or log[0][0] < cutoff or doc.log_bytes > limits.log_bytes
        ):
            doc.log_bytes -= log.popleft()[2]
        for feed in tuple(self._feeds.get(key, ())):
            feed.offer(change)
        return change

    def _writable(self, key: str, if_version: int | None) -> _Doc:
        self._sweep()
        doc = self._require(key)
        if doc.ended:
            raise codec.session_ended()
        if if_version is not None and if_version != doc.version:
            raise codec.stale(doc.version)
        return doc

    def _require(self, key: str) -> _Doc:
        doc = self._live(key)
        if doc is None:
            raise codec.no_document()
        return doc

    def _live(self, key: str) -> _Doc | None:
        doc = self._docs.get(key)
        if doc is not None and doc.expires_at is not None and doc.expires_at <= self._clock.now():
            self._remove(key)
            return None
        return doc

    def _sweep(self) -> None:
        now = self._clock.now()
        while self._expiries and self._expiries[0][0] <= now:
            at, key = heapq.heappop(self._expiries)
            doc = self._docs.get(key)
            if doc is not None and doc.expires_at == at:
                self._remove(key)

    def _remove(self, key: str) -> None:
        self._docs.pop(key, None)
        for feed in list(self._feeds.get(key, ())):
            feed.end()

    def _detach(self, feed: Feed) -> None:
        feeds = self._feeds.get(feed.key)
        if feeds is not None:
            feeds.discard(feed)
            if not feeds:
                del self._feeds[feed.key]


def _snapshot(doc: _Doc) -> Document:
    members = {player: json.loads(text) for player, text in doc.members.items()}
    return Document(doc.version, json.loads(doc.state_text), members, doc.ended)
