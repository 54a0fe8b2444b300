"""Request ids in and out (`X-Request-ID`), and in JSON mode one log line per request.

A valid incoming `X-Request-ID` (1-128 letters, digits and `._:-`) is kept, anything else is
replaced by a fresh one; either way it is echoed in the response and carried by the request line.
The line names the route template, never the path or query a client sent, so no token in a
`?token=` can reach it."""

from __future__ import annotations

import logging
import os
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lobbyd.ops.middleware import METHODS, route_template

log = logging.getLogger("lobbyd.request")

_VALID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
HEADER = b"x-request-id"


class RequestIds:
    """Gives every HTTP request and WebSocket an id; logs HTTP requests when asked."""

    def __init__(self, app: ASGIApp, log_requests: bool) -> None:
        self.app = app
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Tag the request, echo its id, and log it."""
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _incoming(scope) or os.urandom(12).hex().encode()
        scope.setdefault("state", {})["request_id"] = request_id.decode()
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] in ("http.response.start", "websocket.accept"):
                status = message.get("status", 101)
                message = {
                    **message,
                    "headers": [*message.get("headers", ()), (HEADER, request_id)],
                }
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if self.log_requests and kind == "http":
                method = scope["method"] if scope["method"] in METHODS else "other"
                route = route_template(scope)
                log.info(
                    "%s %s %d",
                    method,
                    route,
                    status,
                    extra={
                        "request_id": request_id.decode(),
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                    },
                )


def _incoming(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == HEADER:
            return value if _VALID.fullmatch(value) else None
    return None
