"""Keyset-pagination cursors: the last key of a page, signed together with the query's filters.

A cursor is `base64url(last key (8 bytes) + HMAC-SHA256(server key, last key + filters)[:16])`.
Only the server can make one, so a client can neither start a page at a key of its choosing nor
carry a cursor over to other filters; any cursor it did not get from this service's key, with
these filters, is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import struct

_KEY = struct.Struct(">q")  # the last key: a database id, 0 <= id < 2^63
_TAG_BYTES = 16
MAX_CURSOR = 64  # characters accepted at all; a cursor is 32


class Cursors:
    """Makes and checks the cursors of one service (one key, shared by every replica)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def encode(self, last: int, *filters: object) -> str:
        """The cursor that continues after `last` (a non-negative key) with these filters."""
        raw = _KEY.pack(last)
        return base64.urlsafe_b64encode(raw + self._tag(raw, filters)).decode().rstrip("=")

    def decode(self, cursor: str, *filters: object) -> int:
        """The last key a cursor carries; ValueError unless this service made it for these
        filters."""
        if len(cursor) > MAX_CURSOR:
            raise ValueError("cursor too long")
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ValueError("malformed cursor") from exc
        if len(raw) != _KEY.size + _TAG_BYTES:
            raise ValueError("malformed cursor")
        position, tag = raw[: _KEY.size], raw[_KEY.size :]
        if not hmac.compare_digest(tag, self._tag(position, filters)):
            raise ValueError("the cursor was not made by this service for these filters")
        (last,) = _KEY.unpack(position)
        if last < 0:  # never signed: encode is only ever given database ids
            raise ValueError("malformed cursor")
        return int(last)

    def _tag(self, position: bytes, filters: tuple[object, ...]) -> bytes:
        # JSON keeps None, "None" and "" apart, and no filter value can run into the next.
        scope = json.dumps(filters, separators=(",", ":"), default=str).encode()
        return hmac.new(self._key, position + scope, hashlib.sha256).digest()[:_TAG_BYTES]
