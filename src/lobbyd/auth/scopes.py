"""Permission names (after rallyhere-player-sessions.txt); `session:*` grants every one."""

from __future__ import annotations

ALL = "session:*"
READ_PLAYER_SELF = "session:read-player:self"
READ_PLAYER_ANY = "session:read-player:any"
READ_PLATFORM = "session:read:platform"

HOST_SCOPES: frozenset[str] = frozenset({READ_PLAYER_SELF})
ADMIN_SCOPES: frozenset[str] = frozenset({ALL})
ADMIN_SUBJECT = "admin"


def grants(held: frozenset[str], needed: str) -> bool:
    """True when the held scopes include `needed` (or everything)."""
    return ALL in held or needed in held
