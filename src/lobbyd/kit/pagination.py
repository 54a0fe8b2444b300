"""Opaque keyset-pagination cursors: the last key of a page, bound to the query it came from."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

_LAYOUT = struct.Struct(">Q8s")  # last key, digest of the query's filters
MAX_CURSOR = 64  # characters; a cursor is 22


def scope_of(*parts: object) -> bytes:
    """A short digest of a query's filters; a cursor only continues the query it came from."""
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


def encode_cursor(last: int, scope: bytes) -> str:
    """The cursor that continues after `last` (a non-negative key)."""
    raw = _LAYOUT.pack(last, scope)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, scope: bytes) -> int:
    """The last key a cursor carries; ValueError if it is malformed or from another query."""
    if len(cursor) > MAX_CURSOR:
        raise ValueError("cursor too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        last, bound = _LAYOUT.unpack(raw)
    except (binascii.Error, struct.error, ValueError) as exc:
        raise ValueError("malformed cursor") from exc
    if not hmac.compare_digest(bound, scope):
        raise ValueError("the cursor belongs to another query")
    return int(last)
