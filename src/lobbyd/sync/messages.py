"""The sync socket's messages: what clients send (validated), and what the server sends.

Client messages are one Pydantic discriminated union on `type`. Server messages are encoded
straight to JSON text: changes arrive already encoded from the store (`Change.as_text`), and the
few others are built here, so nothing is validated on the way out.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from lobbyd.kit import strictjson
from lobbyd.store.base import JSON, Document

MessageId = Annotated[str, StringConstraints(strict=True, max_length=128)] | StrictInt
Version = Annotated[StrictInt, Field(ge=1)]


class _ClientMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Ping(_ClientMessage):
    """`{"type": "ping", "id"?}`: answered with `pong`."""

    type: Literal["ping"]
    id: MessageId | None = None


class Patch(_ClientMessage):
    """`{"type": "patch", "id", "patch", "if_version"?}`: the host merges a patch (RFC 7396)."""

    type: Literal["patch"]
    id: MessageId
    patch: JSON
    if_version: Version | None = None


class Replace(_ClientMessage):
    """`{"type": "replace", "id", "state", "if_version"?}`: the host replaces the state."""

    type: Literal["replace"]
    id: MessageId
    state: JSON
    if_version: Version | None = None


class Member(_ClientMessage):
    """`{"type": "member", "id", "document", "if_version"?}`: a member replaces its own
    sub-document."""

    type: Literal["member"]
    id: MessageId
    document: JSON
    if_version: Version | None = None


class Signal(_ClientMessage):
    """`{"type": "signal", "to", "data", "id"?}`: a signal to another member's sockets (acked
    only when it carries an `id`)."""

    type: Literal["signal"]
    id: MessageId | None = None
    to: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=128)]
    data: JSON


AnyClientMessage = Ping | Patch | Replace | Member | Signal
ClientMessage = Annotated[AnyClientMessage, Field(discriminator="type")]
_CLIENT_MESSAGE: TypeAdapter[AnyClientMessage] = TypeAdapter(ClientMessage)


class BadMessage(Exception):
    """A client message that is not JSON, not an object, or not one the protocol knows."""

    def __init__(self, message: str, id: str | int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.id = id


def parse(data: str | bytes, max_depth: int = strictjson.MAX_DEPTH + 1) -> AnyClientMessage:
    """The client message in a text (or binary) frame; BadMessage for anything else. The
    message wraps a document in one object, so it may nest one level deeper than documents."""
    try:
        value = strictjson.loads(data, max_depth)
    except ValueError as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        raise BadMessage(f"not JSON: {reason}") from None
    message_id = value.get("id") if isinstance(value, dict) else None
    if not isinstance(message_id, str | int) or isinstance(message_id, bool):
        message_id = None
    try:
        return _CLIENT_MESSAGE.validate_python(value)
    except ValidationError as error:
        details = "; ".join(_describe(problem) for problem in error.errors(include_url=False))
        raise BadMessage(f"not a valid message: {details}", message_id) from None


def _describe(problem: Any) -> str:
    where = ".".join(str(part) for part in problem["loc"])
    return f"{where}: {problem['msg']}" if where else problem["msg"]


def _text(value: JSON) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def snapshot(document: Document) -> str:
    """`{"type": "snapshot", "version", "state", "members", "ended"}`."""
    return _text(
        {
            "type": "snapshot",
            "version": document.version,
            "state": document.state,
            "members": document.members,
            "ended": document.ended,
        }
    )


def ack(message_id: str | int, version: int) -> str:
    """`{"type": "ack", "id", "version"}`: the write made `version`."""
    return _text({"type": "ack", "id": message_id, "version": version})


def pong(message_id: str | int | None, version: int) -> str:
    """`{"type": "pong", "id", "version"}`: `version` is the last one this socket sent."""
    return _text({"type": "pong", "id": message_id, "version": version})


def error(message_id: str | int | None, code: str, message: str, version: int) -> str:
    """`{"type": "error", "id", "code", "message", "version"}`."""
    return _text(
        {"type": "error", "id": message_id, "code": code, "message": message, "version": version}
    )
