"""Identifiers and secrets."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
import uuid

#: The largest id a database column holds (BIGINT, SQLite's INTEGER): every integer parameter
#: is bounded by it, so none reaches a driver that cannot encode it.
MAX_ID = 2**63 - 1


def new_uuid() -> str:
    """A random UUID, lowercase and hyphenated."""
    return str(uuid.uuid4())


def new_secret() -> str:
    """256 random bits, URL-safe text."""
    return secrets.token_urlsafe(32)


def new_key() -> str:
    """An opaque unguessable key (192 random bits, 32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def digest(secret: str) -> str:
    """SHA-256 hex digest of a machine-made secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def digest_matches(secret: str, stored_digest: str) -> bool:
    """Compare a presented secret with a stored digest in constant time."""
    return hmac.compare_digest(digest(secret), stored_digest)


def canonical_uuid(text: str) -> str | None:
    """The lowercase hyphenated form if text is a UUID in any accepted spelling, else None."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


# Control and format characters, spaces, and unassigned/private/surrogate code points show
# nothing by themselves; the fillers below are letters or marks that render as blanks (and are
# the usual way to make an "empty" name in games).
_BLANK_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zs", "Zl", "Zp"})
_FILLERS = frozenset(
    "\u115f\u1160\u3164\uffa0"  # Hangul choseong, jungseong, compatibility, halfwidth fillers
    "\u2800"  # braille pattern blank
    "\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f"  # grapheme joiner, Khmer, Mongolian FVS
    "\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06\ufe07"  # variation selectors
    "\ufe08\ufe09\ufe0a\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f"
    "\U0001d159"  # musical symbol null notehead
)


def blank(text: str) -> bool:
    """True when no character of `text` shows: it is made only of control, format and space
    characters and known fillers (U+3164 HANGUL FILLER, U+200B, U+FEFF, ...)."""
    return all(
        char in _FILLERS
        or unicodedata.category(char) in _BLANK_CATEGORIES
        or 0xE0100 <= ord(char) <= 0xE01EF  # variation selectors supplement
        for char in text
    )
