"""Entity tags and conditional requests (RFC 9110)."""

from __future__ import annotations

import hashlib


def etag_of(*parts: object) -> str:
    """A strong ETag derived from the given parts."""
    text = "\x1f".join(str(part) for part in parts)
    return '"' + hashlib.blake2b(text.encode(), digest_size=12).hexdigest() + '"'


def _tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def none_match(if_none_match: str | None, etag: str) -> bool:
    """True when If-None-Match matches (weak comparison): the client's copy is current."""
    if not if_none_match:
        return False
    tags = _tags(if_none_match)
    return "*" in tags or etag.removeprefix("W/") in tags


def match(if_match: str | None, etag: str) -> bool:
    """True when If-Match is absent or names the current tag (strong comparison)."""
    if if_match is None:
        return True
    tags = [tag.strip() for tag in if_match.split(",") if tag.strip()]
    return "*" in tags or etag in tags
