"""Records every HTTP request and sync WebSocket into Metrics, as plain ASGI middleware.

The route label is the path template of the route that answered (`/sessions/{session_id}`),
never the raw path: a request no route matched is `unmatched`, one refused before routing
(an oversized body) is `unrouted`. Counts go to Metrics' plain dicts, written to
prometheus-client about once a second.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lobbyd.ops.metrics import Metrics

#: Methods counted by name; anything else is `other`, so no client can add label values.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: Routes whose answers are joins (`lobbyd_joins_total`).
JOIN_ROUTES = frozenset({("POST", "/sessions/players")})
#: The error body of a refused join is read for its code only up to this size.
_CODE_BODY_MAX = 4096


class RecordMetrics:
    """Counts requests by method, route template and status, times them, and tracks sync
    sockets and the messages sent over them."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Measure one request or socket."""
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._socket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500
        code: list[str] = []

        async def sending(message: Message) -> None:
            nonlocal status
            kind = message["type"]
            if kind == "http.response.start":
                status = message["status"]
            elif kind == "http.response.body" and status != 200 and _is_join(scope):
                code.append(_error_code(message.get("body", b""), status))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            route = route_template(scope)
            self.metrics.request(method, route, status, time.perf_counter() - started)
            if (method, route) in JOIN_ROUTES:
                self.metrics.join(code[0] if code else str(status))

    async def _socket(self, scope: Scope, receive: Receive, send: Send) -> None:
        opened = False
        sockets, message_sent = self.metrics.sockets, self.metrics.message

        async def sending(message: Message) -> None:
            nonlocal opened
            kind = message["type"]
            if kind == "websocket.send":
                message_sent()
            elif kind == "websocket.accept" and not opened:
                opened = True
                sockets.inc()
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if opened:
                sockets.dec()


def route_template(scope: Scope) -> str:
    """The path template of the route that answered, `unmatched` or `unrouted`."""
    route: Any = scope.get("route")
    if route is not None:
        path: str = getattr(route, "path", "unmatched")
        return path
    router = scope.get("router")
    if router is None:
        return "unrouted"
    # Plain Starlette routes (the OpenAPI document) name only their endpoint in the scope.
    endpoint = scope.get("endpoint")
    return _plain_paths(router).get(id(endpoint), "unmatched") if endpoint else "unmatched"


def _plain_paths(router: Any) -> dict[int, str]:
    """Each endpoint's path, kept on the router (routes are all added before serving)."""
    paths: dict[int, str] | None = getattr(router, "_lobbyd_paths", None)
    if paths is None:
        paths = {
            id(route.endpoint): route.path
            for route in getattr(router, "routes", ())
            if hasattr(route, "endpoint") and hasattr(route, "path")
        }
        router._lobbyd_paths = paths
    return paths


def _is_join(scope: Scope) -> bool:
    route: Any = scope.get("route")
    return route is not None and (scope["method"], getattr(route, "path", "")) in JOIN_ROUTES


def _error_code(body: bytes, status: int) -> str:
    """The `code` of an error body; the status when it has none (422)."""
    if len(body) <= _CODE_BODY_MAX:
        try:
            parsed = json.loads(body)
        except ValueError:
            return str(status)
        if isinstance(parsed, dict) and isinstance(parsed.get("code"), str):
            return str(parsed["code"])[:64]
    return str(status)
