"""The sync socket, `WS /sync/{key}/ws`: authorized before anything is sent, then one session
loop. A refusal is readable by browsers: the socket is accepted and closed at once with 4000 +
the HTTP status (4401, 4403, 4404, 4422, 4429) or 1013, the reason `code: message`.

After accept the server sends a `snapshot` (or, with `since=V` inside the kept log, the changes
after V and no snapshot), then every change in version order, each exactly as the store encoded
it. Two tasks share the socket: one forwards changes, one answers the client's messages (in the
order they arrive, so one client's writes apply in the order it sent them). The first to finish
ends both; the forwarder decides the close code. A member's socket also listens for signals
from other members (sync.signals) from before its snapshot on, and a third task relays them;
signals are not changes and leave `version` alone.

Memory per socket is bounded: the store drops a subscription that falls `ws_queue_max` changes
behind, the server's send buffer is bounded by the transport's flow control, and `lobbyd serve`
caps an incoming message at `max_body` in the server itself. A player holds at most
`ws_per_player` sockets per session (sync.claims).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketDisconnected

from lobbyd.auth.principal import Authenticator
from lobbyd.errors import Forbidden, LobbydError, NotFound, RateLimited, Unauthorized, Unavailable
from lobbyd.kit.ids import MAX_ID
from lobbyd.store.base import Change, Document, Subscription, SubscriptionLagged
from lobbyd.store.signals import Inbox
from lobbyd.sync import messages
from lobbyd.sync.messages import BadMessage, Member, Patch, Ping, Replace, Signal
from lobbyd.sync.service import Access, Condition, SyncService
from lobbyd.sync.signals import Signals

log = logging.getLogger("lobbyd.sync")

CLOSE_ENDED = 1000  # the session ended (after `session_ended`), or its document is gone
CLOSE_INTERNAL = 1011  # a server bug; reconnect with since=
CLOSE_RESTART = 1012  # the server is shutting down; reconnect (to another replica) with since=
CLOSE_UNAVAILABLE = 1013  # the sync store is unreachable; reconnect later with since=
CLOSE_REMOVED = 4003  # this member left, was kicked or banned (after that change)
CLOSE_LAGGED = 4008  # fell too far behind; reconnect with since=
# Refused handshakes: 4000 + the HTTP status the refusal would have had.
CLOSE_UNAUTHORIZED = 4401  # no, malformed, bad, expired or revoked token
CLOSE_FORBIDDEN = 4403  # the token may not do this
CLOSE_NOT_FOUND = 4404  # no such document, or not a member
CLOSE_INVALID = 4422  # `since` is not a version
CLOSE_TOO_MANY = 4429  # this player already holds LOBBYD_WS_PER_PLAYER sockets on the session

#: The subprotocol the server speaks, and the prefix of one carrying the token (browsers
#: cannot set headers: `new WebSocket(url, ["lobbyd", "bearer." + token])`).
SUBPROTOCOL = "lobbyd"
BEARER_PREFIX = "bearer."
#: Bytes a close frame's reason may hold.
MAX_REASON = 123

#: Times a socket catches up (from the log, or with a fresh snapshot) when its subscription is
#: dropped before it delivered anything; then it is closed as lagging.
CATCH_UP_ATTEMPTS = 4
#: Seconds a close may wait for a peer that does not read.
CLOSE_TIMEOUT = 5.0
_ENDINGS = frozenset({"session_ended", "member_left", "member_kicked"})
_DISCONNECTED = (WebSocketDisconnect, WebSocketDisconnected, OSError)


class _Restart(Exception):
    """The subscription was dropped before it delivered anything: take a fresh snapshot."""


class _NotKept(Exception):
    """The log no longer has every change the client missed: send a fresh snapshot."""


class _InvalidSince(Exception):
    """`since` is not a non-negative integer."""


async def serve(
    websocket: WebSocket,
    key: str,
    service: SyncService,
    authenticator: Authenticator,
    signals: Signals | None = None,
) -> None:
    """Authorize the handshake (a refusal is accepted and closed at once with a 44xx code and
    the reason, which browsers can read), then run the session."""
    subprotocol = SUBPROTOCOL if SUBPROTOCOL in websocket.scope.get("subprotocols", ()) else None
    try:
        principal = await authenticator.principal(_token(websocket))
        since = _since(websocket)
        access = await service.open(principal, key)
        claim = await service.claims.claim(key, principal.subject)
    except LobbydError as refusal:
        await _refuse(websocket, subprotocol, refusal_code(refusal.status), refusal.code, refusal)
        return
    except _InvalidSince:
        message = "since must be a non-negative integer (a version), at most 2^63 - 1"
        await _refuse(websocket, subprotocol, CLOSE_INVALID, "validation_error", message)
        return
    if claim is None:
        limit = service.claims.limit
        message = f"a player may hold {limit} sockets on a session: close one first"
        await _refuse(websocket, subprotocol, CLOSE_TOO_MANY, "too_many_sockets", message)
        return
    try:
        await websocket.accept(subprotocol)
        await SocketSession(websocket, service, access, since, signals).run()
    finally:
        await service.claims.release(key, principal.subject, claim)


def refusal_code(status: int) -> int:
    """The close code of a handshake refused with an HTTP status: 4000 + a 4xx status, 1013
    when a backend is unavailable, 1011 for anything else."""
    if 400 <= status < 500:
        return 4000 + status
    return CLOSE_UNAVAILABLE if status == 503 else CLOSE_INTERNAL


def _token(websocket: WebSocket) -> str:
    """The bearer token: the Authorization header, else the `bearer.<token>` subprotocol,
    else the `token` query parameter."""
    header = websocket.headers.get("authorization")
    if header is not None:
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise Unauthorized("malformed Authorization header: expected Bearer TOKEN")
        return credentials.strip()
    for offered in websocket.scope.get("subprotocols", ()):
        if offered.startswith(BEARER_PREFIX) and len(offered) > len(BEARER_PREFIX):
            return str(offered[len(BEARER_PREFIX) :])
    token = websocket.query_params.get("token")
    if not token:
        raise Unauthorized(
            "missing bearer token (Authorization header, bearer.TOKEN subprotocol or token "
            "parameter)"
        )
    return token


def _since(websocket: WebSocket) -> int | None:
    raw = websocket.query_params.get("since")
    if raw is None:
        return None
    # Bounded before int(): a thousand digits would cost a big-number conversion (or fail).
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_ID)) or int(raw) > MAX_ID:
        raise _InvalidSince
    return int(raw)


async def _refuse(
    websocket: WebSocket,
    subprotocol: str | None,
    code: int,
    word: str,
    message: object,
) -> None:
    """Accept, then close at once with `code` and the reason `<word>: <message>` (cut to the
    123 bytes a close frame holds). Nothing else is sent."""
    text = message.message if isinstance(message, LobbydError) else str(message)
    reason = f"{word}: {text}".encode()[:MAX_REASON].decode(errors="ignore")
    with contextlib.suppress(*_DISCONNECTED, RuntimeError):
        await websocket.accept(subprotocol)
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await websocket.close(code, reason)


Handler = Callable[["SocketSession", Any], Awaitable[str | None]]


class SocketSession:
    """One accepted socket: forwards changes, answers messages, keeps its member alive."""

    def __init__(
        self,
        websocket: WebSocket,
        service: SyncService,
        access: Access,
        since: int | None,
        signals: Signals | None = None,
    ) -> None:
        self.websocket = websocket
        self.signals = signals
        self._signal_rate = signals.bucket() if signals is not None else None
        self.service = service
        self.access = access
        self.since = since
        # The last version the client holds: what this socket sent, or `since` to begin with.
        self.version = 0 if since is None else since
        self._max_message = service.settings.max_body
        # A message wraps a document in one object: one level more than a document may nest.
        self._max_depth = service.settings.json_depth + 1

    async def run(self) -> None:
        """Serve until the client leaves or the stream ends; then close with the right code."""
        session_id, player = self.access.owner.session_id, self.access.principal.subject
        liveness = self.service.liveness
        if self.access.member:
            liveness.opened(session_id, player)
        try:
            code = await self._serve()
        finally:
            if self.access.member:
                liveness.closed(session_id, player)
        if code is not None:
            with contextlib.suppress(*_DISCONNECTED, TimeoutError):
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await self.websocket.close(code)

    async def _serve(self) -> int | None:
        # Listening before the snapshot: a reply to anything sent after it is never missed.
        inbox = await self._listen()
        relay = asyncio.create_task(self._relay(inbox)) if inbox is not None else None
        try:
            return await self._serve_changes()
        finally:
            if inbox is not None and relay is not None:
                inbox.close()
                relay.cancel()
                await asyncio.wait({relay})

    async def _serve_changes(self) -> int | None:
        forward = asyncio.create_task(self._forward())
        receive = asyncio.create_task(self._receive())
        touch = None
        if self.access.member:  # connecting is a sign of life; not worth delaying the snapshot
            owner, player = self.access.owner, self.access.principal.subject
            touch = asyncio.create_task(self.service.liveness.touch(owner.session_id, player))
        try:
            await asyncio.wait({forward, receive}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (forward, receive):
                task.cancel()
            await asyncio.wait({forward, receive})
            if touch is not None:  # never cut short: it holds a database transaction
                await touch
        if not forward.cancelled():
            return self._close_code(forward.exception(), forward)
        if not receive.cancelled() and receive.exception() is not None:
            return self._close_code(receive.exception(), None)
        return None  # the client went away

    def _close_code(
        self, error: BaseException | None, forward: asyncio.Task[int] | None
    ) -> int | None:
        if error is None:
            return forward.result() if forward is not None else None
        if isinstance(error, _DISCONNECTED):
            return None
        if isinstance(error, NotFound):
            return CLOSE_ENDED
        if isinstance(error, Unavailable):
            return CLOSE_UNAVAILABLE
        log.error("sync socket of %s failed", self.access.key, exc_info=error)
        return CLOSE_INTERNAL

    # Changes: server -> client.

    async def _forward(self) -> int:
        """Snapshot (or replay), then every change; the close code when the stream ends."""
        store, key = self.service.store, self.access.key
        document: Document | None = self.access.document
        assert document is not None
        if document.ended and self.since == document.version:
            return CLOSE_ENDED  # the client has seen everything, `session_ended` included
        if self.since is not None and self.since <= document.version:
            document = None  # replay from the log, no snapshot
        for _ in range(CATCH_UP_ATTEMPTS):
            try:
                ended = await (self._snapshot(document) if document else self._replay())
            except _NotKept:
                document = await store.get(key)
                continue
            if ended is not None:
                return ended
            feed = store.subscribe(key, since=self.version)
            try:
                return await self._stream(feed)
            except _Restart:
                document = None  # catch up from the log directly, then follow again
            finally:
                await feed.close()
        return CLOSE_LAGGED

    async def _snapshot(self, document: Document) -> int | None:
        await self._send(messages.snapshot(document), document.version)
        return CLOSE_ENDED if document.ended else None

    async def _replay(self) -> int | None:
        """Send the changes after `version` straight from the log (one by one, so a long
        replay is paced by the socket rather than queued); _NotKept if the log lost some."""
        missed = await self.service.store.changes_since(self.access.key, self.version)
        if missed is None:
            raise _NotKept
        return await self._deliver(missed)

    async def _deliver(self, changes: Iterable[Change]) -> int | None:
        send = self.websocket.send_text
        for change in changes:
            await send(change.as_text())
            self.version = change.version
            if change.type in _ENDINGS and self._ends(change):
                return CLOSE_ENDED if change.type == "session_ended" else CLOSE_REMOVED
        return None

    async def _stream(self, feed: Subscription) -> int:
        """Follow the subscription; _Restart if it is dropped before delivering anything."""
        delivered = False
        try:
            async for change in feed:
                delivered = True
                ended = await self._deliver((change,))
                if ended is not None:
                    return ended
        except SubscriptionLagged:
            if delivered:
                return CLOSE_LAGGED
            raise _Restart from None
        return await self._gone()

    def _ends(self, change: Change) -> bool:
        if change.type == "session_ended":
            return True
        return self.access.member and change.data.get("player") == self.access.principal.subject

    async def _gone(self) -> int:
        """The subscription ended: the document is gone, or the store is closing."""
        try:
            await self.service.store.get(self.access.key)
        except NotFound:
            return CLOSE_ENDED
        except Exception:  # a closing store may fail in any way: the server is going away
            return CLOSE_RESTART
        return CLOSE_RESTART

    async def _send(self, text: str, version: int) -> None:
        await self.websocket.send_text(text)
        self.version = version

    # Signals: from other members, through the bus.

    async def _listen(self) -> Inbox | None:
        if self.signals is None or not self.access.member:
            return None
        return await self.signals.listen(self.access.key, self.access.principal.subject)

    async def _relay(self, inbox: Inbox) -> None:
        with contextlib.suppress(*_DISCONNECTED, RuntimeError):
            async for text in inbox:
                await self.websocket.send_text(text)

    # Messages: client -> server.

    async def _receive(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("text")
            if data is None:
                data = message.get("bytes") or b""
            answer = await self._answer(data)
            if answer is not None:
                await self.websocket.send_text(answer)

    async def _answer(self, data: str | bytes) -> str | None:
        if len(data) > self._max_message:
            limit = f"messages are at most {self._max_message} bytes"
            return messages.error(None, "too_large", limit, self.version)
        try:
            message = messages.parse(data, self._max_depth)
        except BadMessage as bad:
            return messages.error(bad.id, "bad_message", bad.message, self.version)
        try:
            return await _HANDLERS[type(message)](self, message)
        except LobbydError as refusal:
            return messages.error(message.id, refusal.code, refusal.message, self.version)

    async def _ping(self, message: Ping) -> str:
        return messages.pong(message.id, self.version)

    async def _patch(self, message: Patch) -> str:
        change = await self.service.patch_state(
            self.access.principal, self.access.key, message.patch, _condition(message.if_version)
        )
        return messages.ack(message.id, change.version)

    async def _replace(self, message: Replace) -> str:
        change = await self.service.put_state(
            self.access.principal, self.access.key, message.state, _condition(message.if_version)
        )
        return messages.ack(message.id, change.version)

    async def _member(self, message: Member) -> str:
        access = self.access
        if access.principal.player is None:
            raise Forbidden("a service token has no member document")
        change = await self.service.put_member(
            access.principal,
            access.key,
            access.principal.player,
            message.document,
            _condition(message.if_version),
        )
        return messages.ack(message.id, change.version)

    async def _signal(self, message: Signal) -> str | None:
        if self.signals is None or self._signal_rate is None:
            raise Unavailable("signaling is not available on this server")
        if not self._signal_rate.take():
            raise RateLimited(1)
        sender = self.access.principal.subject
        admin = not self.access.member
        await self.signals.send(sender, self.access.key, message.to, message.data, admin=admin)
        return None if message.id is None else messages.ack(message.id, self.version)


def _condition(if_version: int | None) -> Condition | None:
    return None if if_version is None else Condition(frozenset({if_version}))


#: The explicit dispatch table of client messages.
_HANDLERS: dict[type[Any], Handler] = {
    Ping: SocketSession._ping,
    Patch: SocketSession._patch,
    Replace: SocketSession._replace,
    Member: SocketSession._member,
    Signal: SocketSession._signal,
}
