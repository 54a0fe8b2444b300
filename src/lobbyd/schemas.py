"""Bodies shared by every package, and the route class that parses every JSON body."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict

from lobbyd.kit import strictjson


class ErrorBody(BaseModel):
    """Every error body except 422: `message` for people, `code` for programs."""

    message: str
    code: str


class StrictBody(BaseModel):
    """A request body that rejects unknown fields (422)."""

    model_config = ConfigDict(extra="forbid")


class JSONRequest(Request):
    """A request whose JSON body is parsed by kit.strictjson: portable and bounded in depth
    (the app's `settings.json_depth`). FastAPI answers its JSONRejected with a 422
    `json_invalid` whose `ctx.error` says why."""

    async def json(self) -> Any:
        """The body's JSON value (parsed once)."""
        if not hasattr(self, "_json"):
            depth: int = self.app.state.settings.json_depth
            self._json = strictjson.loads(await self.body(), depth)
        return self._json


class JSONRoute(APIRoute):
    """The route class of every router: its handlers read bodies through JSONRequest."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, given a JSONRequest."""
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(JSONRequest(request.scope, request.receive))

        return strict
