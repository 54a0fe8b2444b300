"""`SyncSocket`: a session's live source of truth over `WS /sync/{key}/ws`, that reconnects.

Iterate it for messages: a `snapshot` (a reset: replace what you hold), then every change in
version order. When the connection drops (a replica dies, the network blips, the server drops a
slow reader with 4008), it reconnects with exponential backoff and `since=` the last version it
received, so iteration continues with the next change: each change is delivered exactly once,
in order. If the server no longer keeps the missed changes it sends a fresh snapshot instead.

The token travels as the subprotocol `bearer.<token>` (beside `lobbyd`), as browsers send it.
A refused handshake is accepted and closed at once with 4000 + the HTTP status (4401, 4403,
4404, 4422; the reason `code: message`): `ApiError` with that status, and no retry. 4429 (too
many sockets of this player) and 1013 (the sync store is away) are retried with backoff.

Iteration ends after `session_ended` (close 1000). It raises `SyncRemoved` when this member
left or was removed (4003), and `ApiError` when a reconnection is refused (401, 404, 422).
`document` is a local copy kept current from the messages delivered so far.

Messages are queued for the iterating task (at most `queue_max`; 0: unbounded). A consumer that
stops iterating stops the reader too, and acknowledgements of writes wait behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
from collections.abc import Sequence
from types import TracebackType
from typing import Any
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from lobbyd_client.document import JSON, Document
from lobbyd_client.errors import (
    ApiError,
    LobbydClientError,
    SyncDisconnected,
    SyncError,
    SyncRemoved,
)

#: Close codes after which reconnecting is pointless.
CLOSE_ENDED, CLOSE_REMOVED, CLOSE_LAGGED = 1000, 4003, 4008
#: 4000 + an HTTP status: a refused handshake. Only 4429 (too many sockets) is worth a retry.
REFUSED_FIRST, REFUSED_LAST, CLOSE_TOO_MANY = 4400, 4499, 4429
SUBPROTOCOL, BEARER_PREFIX = "lobbyd", "bearer."
_OPENING_PING = "lobbyd-open"  # answered only once the server accepted the socket
_REPLIES = frozenset({"ack", "error", "pong"})
_RETRYABLE = (OSError, TimeoutError, InvalidHandshake, ConnectionClosed)


class _End:
    """Queued after the last message: how iteration ends."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


class SyncSocket:
    """A reconnecting sync socket (use as `async with`, then `async for message in socket`)."""

    def __init__(
        self,
        base_url: str | Sequence[str],
        key: str,
        token: str,
        *,
        since: int | None = None,
        backoff: float = 0.1,
        backoff_max: float = 10.0,
        retries: int | None = None,
        open_timeout: float = 10.0,
        reply_timeout: float = 10.0,
        queue_max: int = 1000,
    ) -> None:
        bases = [base_url] if isinstance(base_url, str) else list(base_url)
        self.urls = [_socket_url(base, key) for base in bases]
        self.key = key
        self.version = since  # the last version received (snapshot or change)
        self.document: Document | None = None
        self.reconnects = 0
        self._token = token
        self._backoff, self._backoff_max, self._retries = backoff, backoff_max, retries
        self._open_timeout, self._reply_timeout = open_timeout, reply_timeout
        self._queue: asyncio.Queue[JSON | _End] = asyncio.Queue(queue_max)
        # Signals from other members: not changes, never replayed; dropped when nobody reads.
        self._signals: asyncio.Queue[JSON] = asyncio.Queue(queue_max)
        self._pending: dict[int, asyncio.Future[JSON]] = {}
        self._ids = itertools.count(1)
        self._connection: ClientConnection | None = None
        self._connected = asyncio.Event()
        self._first: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._next = 0  # index into `urls` of the next connection attempt
        self._accepted = False  # the current connection sent a message (it was accepted)

    def __repr__(self) -> str:  # never the token
        return f"SyncSocket({self.url!r}, version={self.version!r}, reconnects={self.reconnects})"

    async def __aenter__(self) -> SyncSocket:
        await self.open()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def open(self) -> None:
        """Connect (retrying as configured); ApiError if the server refuses."""
        self._first = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._run(), name=f"lobbyd-sync-{self.key[:8]}")
        await self._first

    async def close(self) -> None:
        """Disconnect for good; iteration ends."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._connection is not None:
            await self._connection.close()
        self._fail_pending(SyncDisconnected("the socket was closed"))

    def __aiter__(self) -> SyncSocket:
        return self

    async def __anext__(self) -> JSON:
        """The next snapshot or change."""
        if self._closed and self._queue.empty():
            raise StopAsyncIteration
        item = await self._queue.get()
        if isinstance(item, _End):
            self._queue.put_nowait(item)  # every later call ends the same way
            if item.error is not None:
                raise item.error
            raise StopAsyncIteration
        if item["type"] == "snapshot":
            self.document = Document.from_json(item)
        elif self.document is not None:
            self.document.apply(item)
        return item

    async def recv(self) -> JSON:
        """The next snapshot or change, exactly as `async for` yields it (one step of it).

        Waits until one arrives; bound the wait with `asyncio.timeout` if needed. Each message
        is a dict with `type` and `version` (see docs/sync.md), already applied to
        `self.document`. Acks, errors and pongs never come out here: the write calls and
        `ping` consume them. Across reconnections every change comes out once, in order.
        Raises StopAsyncIteration after `session_ended` (and, once `close()` was called, when
        what was queued is out), SyncRemoved after this member left or was removed, and
        ApiError when a reconnection is refused.
        """
        return await self.__anext__()

    # Writes: each answered by an ack (its version) or an error (SyncError).

    async def patch(self, patch: JSON, *, if_version: int | None = None) -> int:
        """The host merges an RFC 7396 patch into the state; the new version."""
        return await self._write({"type": "patch", "patch": patch}, if_version)

    async def replace(self, state: JSON, *, if_version: int | None = None) -> int:
        """The host replaces the state; the new version."""
        return await self._write({"type": "replace", "state": state}, if_version)

    async def update_member(self, document: JSON, *, if_version: int | None = None) -> int:
        """This member replaces its own sub-document; the new version."""
        return await self._write({"type": "member", "document": document}, if_version)

    async def ping(self) -> int:
        """A round trip to the server; the last version it sent this socket."""
        return int((await self._call({"type": "ping"}))["version"])

    # Signals: ephemeral messages between members (offers, answers, candidates).

    async def signal(self, to: str, data: JSON) -> None:
        """Send `data` (a JSON object, at most 16 KiB) to member `to`'s open sockets; SyncError
        `not_member`, `too_large` or `rate_limited` when refused. Delivered at most once: the
        addressee gets it only if its socket is open now."""
        await self._call({"type": "signal", "to": to, "data": data})

    async def next_signal(self) -> JSON:
        """The next signal another member sent to this socket: `{"type": "signal", "from",
        "data"}`. Waits until one arrives (bound it with `asyncio.timeout`). Signals that
        arrived while disconnected are lost; unread ones beyond `queue_max` are dropped."""
        return await self._signals.get()

    async def _write(self, message: JSON, if_version: int | None) -> int:
        if if_version is not None:
            message["if_version"] = if_version
        return int((await self._call(message))["version"])

    async def _call(self, message: JSON) -> JSON:
        try:
            await asyncio.wait_for(self._connected.wait(), self._reply_timeout)
        except TimeoutError:
            raise SyncDisconnected("not connected") from None
        connection = self._connection
        if connection is None:
            raise SyncDisconnected("not connected")
        message_id = message["id"] = next(self._ids)
        future: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        try:
            await connection.send(json.dumps(message))
            reply = await asyncio.wait_for(future, self._reply_timeout)
        except (ConnectionClosed, TimeoutError) as error:
            raise SyncDisconnected(f"no answer: {error!r}") from None
        finally:
            self._pending.pop(message_id, None)
        if reply["type"] == "error":
            raise SyncError(reply["code"], reply["message"], reply.get("version"))
        return reply

    def _settle(self, reply: JSON) -> None:
        future = self._pending.get(reply.get("id"))  # type: ignore[arg-type]
        if future is not None and not future.done():
            future.set_result(reply)

    def _fail_pending(self, error: Exception) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()

    # The connection loop.

    async def _run(self) -> None:
        delay, failures = self._backoff, 0
        while True:
            try:
                connection = await self._connect()
            except InvalidStatus as refused:
                error = _refusal(refused)
                if error.status < 500 and error.status != 429:
                    return await self._finish(error)
            except _RETRYABLE:
                pass
            else:
                code, reason, accepted = await self._session(connection)
                if _refused(code):
                    return await self._finish(_closed_refusal(code or 0, reason))
                if accepted:  # a socket that served messages: back off from scratch
                    failures, delay = 0, self._backoff
                if code == CLOSE_ENDED:
                    return await self._finish(None)
                if code == CLOSE_REMOVED:
                    return await self._finish(SyncRemoved("this member was removed"))
                self.reconnects += 1
                if code == CLOSE_LAGGED:
                    continue  # nothing is wrong with the server: catch up at once
            self._next += 1  # with several replicas given, try the next one
            failures += 1
            if self._retries is not None and failures > self._retries:
                return await self._finish(LobbydClientError(f"gave up after {failures} tries"))
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, self._backoff_max)

    @property
    def url(self) -> str:
        """The URL the socket is connected to (or tries next)."""
        return self.urls[self._next % len(self.urls)]

    async def _connect(self) -> ClientConnection:
        url = self.url if self.version is None else f"{self.url}?since={self.version}"
        connection = await connect(
            url,
            subprotocols=[Subprotocol(SUBPROTOCOL), Subprotocol(BEARER_PREFIX + self._token)],
            open_timeout=self._open_timeout,
            max_size=None,
        )
        # A refused socket is closed before it reads anything: the pong tells acceptance.
        with contextlib.suppress(ConnectionClosed):  # refused already: _session reads why
            await connection.send(json.dumps({"type": "ping", "id": _OPENING_PING}))
        return connection

    async def _session(self, connection: ClientConnection) -> tuple[int | None, str, bool]:
        """Serve one connection until it closes: the close code and reason the server sent,
        and whether it accepted the socket (sent any message)."""
        self._connection = connection
        self._connected.set()
        self._accepted = False
        try:
            await self._read(connection)
        except ConnectionClosed:
            pass
        finally:
            self._connected.clear()
            self._connection = None
            self._fail_pending(SyncDisconnected("the connection dropped"))
            await connection.close()
        received = connection.protocol.close_rcvd
        if received is None:
            return None, "", self._accepted
        return received.code, received.reason, self._accepted

    async def _read(self, connection: ClientConnection) -> None:
        async for raw in connection:
            message: JSON = json.loads(raw)
            self._accepted = True
            if self._first is not None and not self._first.done():
                self._first.set_result(None)  # the server accepted: open() returns
            kind, version = message.get("type"), message.get("version")
            if kind in _REPLIES:
                self._settle(message)
            elif kind == "signal":
                with contextlib.suppress(asyncio.QueueFull):
                    self._signals.put_nowait(message)
            elif kind == "snapshot" or self.version is None or version == self.version + 1:
                self.version = version
                await self._queue.put(message)
            elif isinstance(version, int) and version > self.version + 1:
                return  # a gap (never expected): reconnect from what was received
            # else: a change already delivered (version <= self.version): skip it

    async def _finish(self, error: BaseException | None) -> None:
        if self._first is not None and not self._first.done():
            if error is not None:
                self._first.set_exception(error)
                return
            self._first.set_result(None)
        await self._queue.put(_End(error))


def _socket_url(base_url: str, key: str) -> str:
    scheme, _, rest = base_url.rstrip("/").partition("://")
    ws_scheme = {"http": "ws", "https": "wss"}.get(scheme, scheme)
    return f"{ws_scheme}://{rest}/sync/{quote(key, safe='')}/ws"


def _refused(code: int | None) -> bool:
    """A close code that refuses the handshake for good (4000 + a 4xx status but 429)."""
    return code is not None and REFUSED_FIRST <= code <= REFUSED_LAST and code != CLOSE_TOO_MANY


def _closed_refusal(code: int, reason: str) -> ApiError:
    """The error a refusal close frame (4000 + status, reason `code: message`) describes."""
    word, _, message = reason.partition(": ")
    status = code - 4000
    return ApiError(status, word or "http_error", message or f"refused ({code})", None)


def _refusal(refused: InvalidStatus) -> ApiError:
    response = refused.response
    try:
        body: Any = json.loads(response.body or b"")
    except ValueError:
        body = None
    return ApiError.from_body(response.status_code, body)
