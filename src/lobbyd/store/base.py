"""The sync store's interface: one versioned JSON document per session, plus an ordered log.

A document is `{"version", "state", "members"}`: `state` is written by the host, `members` holds
one sub-document per member, written by that member. Every change bumps `version` by exactly one
and is appended to the document's log as a *change* message (the same objects the WebSocket
sends): `{"type": ..., "version": N, ...}`.

Change types and their extra fields:
- `state_replaced` {"state"}             PUT of the whole state
- `state_patch`    {"patch"}             RFC 7396 merge patch applied to state
- `member_updated` {"player", "document"}
- `member_joined`  {"player"}            members[player] = {}
- `member_left`    {"player", "reason"?} members[player] removed ("timeout", "deleted")
- `member_kicked`  {"player", "reason"?} members[player] removed ("banned")
- `session_ended`  {"reason"}            the document accepts no more writes

Membership events come from the sessions package through `apply_event`, numbered by the
database (`seq`, 1, 2, 3, ... per session): the store applies each exactly once and in order,
so a relay may retry freely after a failure. Events numbered after `session_ended` are counted
as applied but change nothing (and make no change message).

Backends must make every write atomic inside the store (no read-then-write from Python).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from lobbyd.errors import LobbydError

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Document:
    """A snapshot of a session's source of truth."""

    version: int
    state: JSON
    members: dict[str, JSON]
    ended: bool = False

    def as_json(self) -> JSON:
        """The body of GET /sync/{key}."""
        return {"version": self.version, "state": self.state, "members": self.members}


@dataclass(frozen=True, slots=True)
class Event:
    """A membership event from the sessions package."""

    type: str  # member_joined | member_left | member_kicked | session_ended
    player: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of a document's log: the message subscribers receive."""

    version: int
    type: str
    data: JSON = field(default_factory=dict)
    # The message already encoded (`as_json()` as compact JSON), when the backend has it:
    # send this to every socket instead of encoding the change once per subscriber.
    text: str | None = field(default=None, compare=False, repr=False)

    def as_json(self) -> JSON:
        """The WebSocket message for this change."""
        return {"type": self.type, "version": self.version, **self.data}

    def as_text(self) -> str:
        """The WebSocket message for this change as JSON text (encoded at most once)."""
        if self.text is not None:
            return self.text
        return json.dumps(self.as_json(), separators=(",", ":"), ensure_ascii=False)


class EventOutOfOrder(Exception):
    """apply_event got seq N while the document has applied fewer than N - 1 events."""

    def __init__(self, applied: int) -> None:
        super().__init__(f"document has applied events up to {applied}")
        self.applied = applied


class SubscriptionLagged(LobbydError):
    """A subscriber fell too far behind and was dropped."""

    status = 503
    code = "lagged"


class Subscription(Protocol):
    """Live changes of one document, in version order, without gaps.

    Ends (StopAsyncIteration) when closed, when the store closes, or when the document is
    deleted. Treat the changes as read-only: subscribers share them.
    """

    def __aiter__(self) -> AsyncIterator[Change]:
        """Iterate changes as they happen; raises SubscriptionLagged if dropped for lag."""
        ...

    async def close(self) -> None:
        """Stop receiving."""
        ...


class SyncStore(Protocol):
    """Versioned documents with compare-and-set, an event log kept for replay, and fan-out.

    Errors: `lobbyd.errors.Unavailable` when the backend cannot be reached,
    `NotFound` (code `no_document`) for an unknown or deleted key,
    `PreconditionFailed` when `if_version` is not the current version,
    `PayloadTooLarge` when a write would make state or a member document exceed its limit,
    `Conflict` (code `session_ended`) for writes after `session_ended`,
    `Conflict` (code `not_member`) for put_member of a player who is not a member.
    Checks run in that order: document, ended, if_version, then the write's own rules.
    Returned documents are the caller's own copies.
    """

    async def ping(self) -> None:
        """Raise Unavailable unless the backend answers."""
        ...

    async def create(
        self, key: str, host: str, *, guests: Sequence[str] = (), applied: int = 0
    ) -> Document:
        """Create the document of a session if it does not exist (idempotent): version 1, empty
        state, members {host: {}} plus {guest: {}} for each of `guests`, `applied` membership
        events counted as applied (a lost document is rebuilt this way from the database).
        Returns the current document."""
        ...

    async def get(self, key: str) -> Document:
        """The current document."""
        ...

    async def put_state(self, key: str, state: JSON, *, if_version: int | None = None) -> Change:
        """Replace state; a `state_replaced` change."""
        ...

    async def patch_state(self, key: str, patch: JSON, *, if_version: int | None = None) -> Change:
        """Apply an RFC 7396 merge patch to state; a `state_patch` change."""
        ...

    async def put_member(
        self, key: str, player: str, document: JSON, *, if_version: int | None = None
    ) -> Change:
        """Replace one member's sub-document (the player must be a member); `member_updated`."""
        ...

    async def apply_event(self, key: str, seq: int, event: Event) -> Change | None:
        """Apply membership event number `seq` exactly once: None if already applied,
        EventOutOfOrder if earlier events are missing."""
        ...

    async def applied_events(self, key: str) -> int:
        """How many membership events the document has applied (0 if it does not exist)."""
        ...

    async def changes_since(self, key: str, version: int) -> list[Change] | None:
        """Changes after `version`, oldest first ([] when `version` is current); None when
        they are no longer all kept, or `version` is not one the document had (the caller
        sends a snapshot instead). The last `log_size` changes are kept, except that none
        older than `log_age` seconds are, and only as many as fit in `log_bytes` (bytes of
        their messages; the newest change is always kept). NotFound for an unknown key."""
        ...

    def subscribe(self, key: str, *, since: int | None = None) -> Subscription:
        """Live changes of `key`. With `since`, the first change is exactly `since + 1`
        (missed ones come from the log; SubscriptionLagged if it no longer has them): take a
        snapshot at version S, then subscribe(key, since=S). Without `since`, changes from
        about now on (on Redis, from when the subscription is live). Never raises itself."""
        ...

    async def expire(self, key: str, seconds: float) -> None:
        """Delete the document and its log `seconds` from now (grace after a session ends);
        a no-op for an unknown key."""
        ...

    async def delete(self, key: str) -> None:
        """Delete the document and its log now, ending its subscriptions."""
        ...

    async def claim_socket(
        self, key: str, player: str, socket_id: str, *, limit: int, ttl: float
    ) -> bool:
        """Count one more open socket of `player` on `key` unless it already holds `limit`
        (on Redis, across every replica); False when it does. A claim not renewed within `ttl`
        seconds lapses (a replica that died holds none for long)."""
        ...

    async def renew_sockets(self, claims: Sequence[tuple[str, str, str]], ttl: float) -> None:
        """Keep the claims (key, player, socket_id) for `ttl` more seconds."""
        ...

    async def release_socket(self, key: str, player: str, socket_id: str) -> None:
        """The socket closed: its claim is free."""
        ...

    async def close(self) -> None:
        """Release connections and end every subscription."""
        ...


@dataclass(frozen=True, slots=True)
class Limits:
    """Sizes and retention every backend enforces."""

    state_max: int = 64 * 1024  # bytes of compact JSON
    member_max: int = 4 * 1024
    log_size: int = 1000
    log_age: float = 3600.0
    #: Bytes of change messages kept per document (the newest change is kept whatever its size).
    log_bytes: int = 1024 * 1024
    queue_max: int = 1000  # changes a subscriber may fall behind before it is dropped


def compact_size(value: Mapping[str, Any]) -> int:
    """Bytes of a JSON value in compact form (how limits are measured)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
