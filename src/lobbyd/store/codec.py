"""What both backends share: compact JSON text, change messages, and the store's errors."""

from __future__ import annotations

import json
from typing import Any

from lobbyd.errors import Conflict, NotFound, PayloadTooLarge, PreconditionFailed
from lobbyd.store.base import JSON, Change, Event, SubscriptionLagged

MEMBER_EVENTS = frozenset({"member_joined", "member_left", "member_kicked"})


def dumps(value: Any) -> str:
    """Compact JSON text; its UTF-8 length is what the size limits measure. NaN and Infinity
    are refused (ValueError): they are not JSON, and clients could not parse the change."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def size(text: str) -> int:
    """Bytes of JSON text on the wire."""
    return len(text.encode())


def change_text(kind: str, version: int, data_text: str) -> str:
    """The message of a change, built around its already encoded fields (`{...}`).

    The Redis scripts build the very same text, so each change is encoded once.
    """
    return f'{{"type":"{kind}","version":{version},{data_text[1:]}'


def parse_change(text: str) -> Change:
    """A change from its message text (kept, so it is never encoded again)."""
    data = json.loads(text)
    return Change(data.pop("version"), data.pop("type"), data, text)


def field_text(name: str, value_text: str) -> str:
    """`{"name":<value_text>}`."""
    return f'{{"{name}":{value_text}}}'


def member_text(player: str, document_text: str) -> str:
    """The fields of a `member_updated` change."""
    return f'{{"player":{dumps(player)},"document":{document_text}}}'


def event_fields(event: Event) -> tuple[JSON, str]:
    """The fields of the change an event makes, as data and as text."""
    if event.type in MEMBER_EVENTS:
        if not event.player:
            raise ValueError(f"{event.type} needs a player")
        data: JSON = {"player": event.player}
        if event.reason:
            data["reason"] = event.reason
    elif event.type == "session_ended":
        data = {"reason": event.reason}
    else:
        raise ValueError(f"unknown event type {event.type!r}")
    return data, dumps(data)


def no_document() -> NotFound:
    """The key names no document (never created, deleted, or expired)."""
    return NotFound("no sync document under this key", "no_document")


def session_ended() -> Conflict:
    """A write after `session_ended`."""
    return Conflict("the session has ended; its document is read-only", "session_ended")


def not_member(player: str) -> Conflict:
    """put_member for a player the document does not list."""
    return Conflict(f"{player} is not a member of this session", "not_member")


def stale(current: int) -> PreconditionFailed:
    """if_version named another version."""
    return PreconditionFailed(f"the document is at version {current}")


def too_large(what: str, limit: int) -> PayloadTooLarge:
    """A write would make state or a member document exceed its limit."""
    return PayloadTooLarge(f"{what} would exceed {limit} bytes of compact JSON")


def lagged() -> SubscriptionLagged:
    """The subscriber missed changes it can no longer be given."""
    return SubscriptionLagged("fell behind the document's changes; take a fresh snapshot")
