"""Bodies shared by every package, and the route class that parses every JSON body."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from lobbyd.kit import strictjson

#: Every `code` the server can put in an error body (HTTP) or a sync socket `error` message,
#: with what it means. A code raised anywhere must be listed here (tests/test_error_codes.py
#: checks the source); the OpenAPI document declares `ErrorBody.code` as this enum.
ERROR_CODES: dict[str, str] = {
    "already_member": "the player is already in this session",
    "bad_cursor": "the cursor is malformed or was made for other filters",
    "bad_message": "a sync socket message that is not JSON or not one the protocol knows",
    "bad_request": "the request breaks a rule the message names",
    "ban_self": "a host cannot ban itself",
    "befriend_self": "a host cannot befriend itself",
    "capacity_too_large": "the capacity asked for is over the server's limit",
    "conflict": "the request conflicts with the current state",
    "forbidden": "authenticated, but not allowed to act on this",
    "friend_banned": "the host to befriend is banned; unban it first",
    "guest_is_host": "the guest named is the session's host",
    "host_cannot_leave": "the host ends its session instead of leaving it",
    "host_is_guest": "the host is a guest in another active session",
    "in_another_session": "the player is in another active session",
    "internal": "a server bug (logged); the request may be retried",
    "lagged": "a sync subscriber fell too far behind; reconnect with since=",
    "list_full": "a friends list, banlist or invite list is full",
    "method_not_allowed": "the path does not take this HTTP method",
    "no_document": "no sync document under this key, or the caller is not a member",
    "no_invite": "no pending invite for this player",
    "no_platform_session": "no such platform session link",
    "no_reservation": "no live reservation for this player",
    "no_session": "the host has no active session, or the session has ended",
    "not_acceptable": "the server cannot answer in a type the Accept header allows",
    "not_found": "no such resource",
    "not_found_other": "another host (or list entry) the request names does not exist",
    "not_found_this": "the caller's own host (or the host logging in) does not exist",
    "not_member": "the player named is not a member of this session",
    "not_welcome": "the host does not welcome this guest (the rule is not told)",
    "platform_session_taken": "the platform session is linked to another active session",
    "player_banned": "the player is on the host's banlist",
    "precondition_failed": "If-Match names a version that is no longer current",
    "rate_limited": "too many requests; wait for Retry-After seconds",
    "retry": "the session changed meanwhile; retry the request",
    "session_ended": "the session has ended; its document is read-only",
    "session_full": "every seat of the session is taken",
    "too_large": "the body, document or message is over its size limit",
    "unauthorized": "missing, malformed, expired or revoked credentials",
    "unavailable": "the database or the sync store is unreachable; retry shortly",
    "unsupported_media_type": "the Content-Type is not one the operation takes",
}


def _code_enum(schema: dict[str, Any]) -> None:
    schema["enum"] = sorted(ERROR_CODES)


def _code_list() -> str:
    return "\n".join(f"- `{code}`: {meaning}" for code, meaning in sorted(ERROR_CODES.items()))


class ErrorBody(BaseModel):
    """Every error body except 422: `message` for people, `code` for programs."""

    message: str
    code: str = Field(
        description="A stable snake_case word for programs; one of:\n\n" + _code_list(),
        json_schema_extra=_code_enum,
    )
    reason: str | None = Field(
        None,
        description=(
            "only with code session_ended (told to the session's host and admins): why it "
            "ended: host_timeout, ended_by_host or host_deleted"
        ),
    )


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
