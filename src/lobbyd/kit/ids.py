"""Identifiers and secrets."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid


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
