"""The Redis sync store: any number of replicas share documents, logs and notifications.

Data layout (P = the prefix, default `lobbyd:`; `{key}` is a hash tag, so one document's keys
share a cluster slot):

- `P doc:{key}` hash: `v` version, `e` incarnation id (new at each create), `state` the state
  *packed* (see redis_scripts), `size` its compact JSON bytes, `applied` membership events
  applied, `ended` present once the session ended, `exp` when it expires by the injected
  clock, `m:<player>` each member's document (compact JSON).
- `P log:{key}` list: time, change, time, change, ... oldest first; a change is its message
  text (`{"type":...,"version":N,...}`), versions consecutive up to `v`, so the last n
  changes are the last 2n items. Trimmed to `log_size` changes, to `log_bytes` bytes of
  change text (counted in the document's `lb`) and by `log_age` on write.
- `P sockets:{key}:<player>` sorted set: the player's open sync sockets on the session (any
  replica), each scored by when its claim lapses unless renewed.
- `P changes:{key}` pub/sub channel: every change as incarnation id + text; `deleted` when
  the document goes.

Scripts (redis_scripts): `create` (idempotent), `write` (put / patch / member / event: every
check, the merge, the version bump, the log append and trims and the PUBLISH in one atomic
script, one round trip), `changes_since`, `expire`. `get` is one HGETALL, `delete` one
MULTI (DEL + PUBLISH). Expiry follows the injected clock (`exp`, checked by every script and
read); Redis TTLs only collect what nobody touches again.

Failures to reach Redis (refused, timed out, lost mid-command) raise Unavailable; commands are
never retried here, since a write whose reply was lost may have been applied. Pooled
connections are re-established on next use, so the store recovers by itself.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from redis.asyncio import BlockingConnectionPool, ConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.maint_notifications import MaintNotificationsConfig

from lobbyd.errors import Unavailable
from lobbyd.kit.clock import Clock
from lobbyd.store import codec
from lobbyd.store import redis_scripts as scripts
from lobbyd.store.base import JSON, Change, Document, Event, EventOutOfOrder, Limits
from lobbyd.store.feed import Feed
from lobbyd.store.redis_hub import Hub

DEFAULT_PREFIX = "lobbyd:"
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ReadOnlyError, OSError, TimeoutError)
_CONNECTION: dict[str, Any] = {
    "socket_timeout": 2.0,
    "socket_connect_timeout": 1.0,
    "retry": Retry(NoBackoff(), 0),
    "decode_responses": True,
    # With maintenance notifications on ("auto" by default), redis-py skips its check of a
    # pooled connection before use, and the first commands after a Redis restart would fail.
    "maint_notifications_config": MaintNotificationsConfig(enabled=False),
}


@contextmanager
def _reachable() -> Iterator[None]:
    try:
        yield
    except _UNREACHABLE as error:
        raise Unavailable() from error


class RedisStore:
    """Versioned documents in Redis, with local fan-out fed by one pub/sub connection."""

    def __init__(
        self, url: str, limits: Limits, clock: Clock, *, prefix: str = DEFAULT_PREFIX
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._prefix = prefix
        pool = BlockingConnectionPool.from_url(url, max_connections=64, timeout=2.0, **_CONNECTION)
        self._redis = Redis(connection_pool=pool)
        self._create = self._redis.register_script(scripts.CREATE)
        self._write_script = self._redis.register_script(scripts.WRITE)
        self._since = self._redis.register_script(scripts.CHANGES_SINCE)
        self._expire = self._redis.register_script(scripts.EXPIRE)
        self._claim = self._redis.register_script(scripts.CLAIM_SOCKET)
        # Named, so an operator (or a test) can find each replica's one pub/sub connection.
        listening = ConnectionPool.from_url(url, client_name=f"{prefix}pubsub", **_CONNECTION)
        listener = Redis(connection_pool=listening)
        self._hub = Hub(listener, self.channel, self.changes_since_in, limits.queue_max)
        self._listener = listener

    def channel(self, key: str) -> str:
        """The pub/sub channel of a document's changes."""
        return f"{self._prefix}changes:{{{key}}}"

    async def ping(self) -> None:
        """Raise Unavailable unless Redis answers."""
        with _reachable():
            await self._redis.ping()

    async def create(
        self, key: str, host: str, *, guests: Sequence[str] = (), applied: int = 0
    ) -> Document:
        """Create the document of a session if absent (idempotent)."""
        epoch = secrets.token_hex(scripts.EPOCH_LENGTH // 2)
        reply = await self._run(self._create, key, host, epoch, applied, *guests)
        return self._document(dict(zip(reply[::2], reply[1::2], strict=True)))

    async def get(self, key: str) -> Document:
        """The current document."""
        with _reachable():
            fields = await self._redis.hgetall(self._doc(key))
        return self._document(cast(dict[str, str], fields))

    async def put_state(self, key: str, state: JSON, *, if_version: int | None = None) -> Change:
        """Replace state; a `state_replaced` change."""
        text = codec.dumps(state)
        fields = codec.field_text("state", text)
        args = (codec.dumps(scripts.pack(state)), codec.size(text), fields, self._limits.state_max)
        version = await self._write(key, if_version, "put", args)
        return _change("state_replaced", version, {"state": state}, fields)

    async def patch_state(self, key: str, patch: JSON, *, if_version: int | None = None) -> Change:
        """Apply an RFC 7396 merge patch to state; a `state_patch` change."""
        fields = codec.field_text("patch", codec.dumps(patch))
        args = (codec.dumps(scripts.pack(patch)), fields, self._limits.state_max)
        version = await self._write(key, if_version, "patch", args)
        return _change("state_patch", version, {"patch": patch}, fields)

    async def put_member(
        self, key: str, player: str, document: JSON, *, if_version: int | None = None
    ) -> Change:
        """Replace one member's sub-document; `member_updated`."""
        text = codec.dumps(document)
        fields = codec.member_text(player, text)
        args = (player, text, fields, self._limits.member_max)
        version = await self._write(key, if_version, "member", args)
        return _change("member_updated", version, {"player": player, "document": document}, fields)

    async def apply_event(self, key: str, seq: int, event: Event) -> Change | None:
        """Apply membership event number `seq` exactly once and in order."""
        data, fields = codec.event_fields(event)
        args = (seq, event.type, event.player or "", fields)
        try:
            version = await self._write(key, None, "event", args)
        except _AlreadyApplied:
            return None
        return _change(event.type, version, data, fields)

    async def applied_events(self, key: str) -> int:
        """How many membership events the document has applied (0 if it does not exist)."""
        with _reachable():
            reply = await self._redis.hmget(self._doc(key), ["applied", "exp"])
        applied, expires = cast(list[str | None], reply)
        if applied is None or self._expired(expires):
            return 0
        return int(applied)

    async def changes_since(self, key: str, version: int) -> list[Change] | None:
        """Changes after `version`, oldest first; None when no longer all kept."""
        return (await self.changes_since_in(key, version))[1]

    async def changes_since_in(self, key: str, version: int) -> tuple[str, list[Change] | None]:
        """changes_since, with the incarnation of the document they belong to."""
        reply = await self._run(self._since, key, version, self._limits.log_age)
        if reply[0] == "no_document":
            raise codec.no_document()
        if reply[0] == "gone":
            return reply[1], None
        return reply[1], [codec.parse_change(text) for text in reply[3::2]]

    def subscribe(self, key: str, *, since: int | None = None) -> Feed:
        """Live changes of `key`, from `since + 1` when given."""
        return self._hub.subscribe(key, since)

    async def expire(self, key: str, seconds: float) -> None:
        """Delete the document and its log `seconds` from now."""
        await self._run(self._expire, key, seconds, repr(self._clock.now() + seconds))

    async def delete(self, key: str) -> None:
        """Delete the document and its log now, ending its subscriptions."""
        with _reachable():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(self._doc(key), self._log(key))
                pipe.publish(self.channel(key), scripts.DELETED)
                await pipe.execute()

    async def claim_socket(
        self, key: str, player: str, socket_id: str, *, limit: int, ttl: float
    ) -> bool:
        """Count one more socket of `player` on `key` across every replica, unless it holds
        `limit`: a sorted set of socket ids scored by when each claim lapses."""
        now = self._clock.now()
        with _reachable():
            claimed = await self._claim(
                keys=(self._sockets(key, player),),
                args=(repr(now), socket_id, limit, repr(now + ttl), _ms(ttl)),
            )
        return bool(claimed)

    async def renew_sockets(self, claims: Sequence[tuple[str, str, str]], ttl: float) -> None:
        """Push back when the claims lapse (only claims still held: XX)."""
        if not claims:
            return
        lapse = self._clock.now() + ttl
        with _reachable():
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, player, socket_id in claims:
                    name = self._sockets(key, player)
                    pipe.zadd(name, {socket_id: lapse}, xx=True)
                    pipe.pexpire(name, _ms(ttl))
                await pipe.execute()

    async def release_socket(self, key: str, player: str, socket_id: str) -> None:
        """The socket closed: remove its claim."""
        with _reachable():
            await self._redis.zrem(self._sockets(key, player), socket_id)

    async def close(self) -> None:
        """Release connections and end every subscription."""
        await self._hub.close()
        await self._listener.aclose()
        await self._redis.aclose()

    async def _write(
        self, key: str, if_version: int | None, op: str, args: tuple[str | int, ...]
    ) -> int:
        """Run one write; the new version, or the refusal raised."""
        limits = self._limits
        expected = "" if if_version is None else if_version
        head = (expected, limits.log_size, limits.log_age, op)
        reply = await self._run(self._write_script, key, *head, *args, limits.log_bytes)
        if reply[0] != "ok":
            raise self._refusal(reply, op, args)
        return int(reply[1])

    def _refusal(self, reply: list[Any], op: str, args: tuple[str | int, ...]) -> Exception:
        status = reply[0]
        if status == "too_large" and op == "member":
            return codec.too_large("the member document", self._limits.member_max)
        refusals: dict[str, Callable[[], Exception]] = {
            "applied": _AlreadyApplied,
            "out_of_order": lambda: EventOutOfOrder(int(reply[1])),
            "no_document": codec.no_document,
            "ended": codec.session_ended,
            "stale": lambda: codec.stale(int(reply[1])),
            "too_large": lambda: codec.too_large("state", self._limits.state_max),
            "not_member": lambda: codec.not_member(str(args[0])),
        }
        return refusals[status]()

    async def _run(self, script: AsyncScript, key: str, *args: str | int | float) -> Any:
        keys = (self._doc(key), self._log(key))
        with _reachable():
            return await script(keys=keys, args=(repr(self._clock.now()), self.channel(key), *args))

    def _document(self, fields: dict[str, str]) -> Document:
        if not fields or self._expired(fields.get("exp")):
            raise codec.no_document()
        members = {name[2:]: json.loads(text) for name, text in fields.items() if name[:2] == "m:"}
        state = scripts.unpack(json.loads(fields["state"]))
        return Document(int(fields["v"]), state, members, "ended" in fields)

    def _expired(self, expires: str | None) -> bool:
        return expires is not None and float(expires) <= self._clock.now()

    def _doc(self, key: str) -> str:
        return f"{self._prefix}doc:{{{key}}}"

    def _log(self, key: str) -> str:
        return f"{self._prefix}log:{{{key}}}"

    def _sockets(self, key: str, player: str) -> str:
        return f"{self._prefix}sockets:{{{key}}}:{player}"


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class _AlreadyApplied(Exception):
    """The event's number was applied before (or after the session ended)."""


def _change(kind: str, version: int, data: JSON, fields: str) -> Change:
    return Change(version, kind, data, codec.change_text(kind, version, fields))
