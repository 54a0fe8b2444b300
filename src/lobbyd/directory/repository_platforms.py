"""SQL of platform sessions: a platform's own session linked to a lobbyd session.

A link resolves only while its lobbyd session is active; the row of an ended session stays
until another session takes the platform session over (or the link is replaced), so reads
need no cleanup to be right.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from lobbyd.db import Connection, Reader, Row

_COLUMNS = "p.platform, p.platform_session_id, p.platform_session_type, p.custom_data, p.session_id"

Linked = Literal["created", "updated", "taken"]

#: The statement of `resolve`; arguments: platform, digest, viewer, alive_after, gone_before.
RESOLVE_SQL = (
    f"SELECT {_COLUMNS}, EXISTS (SELECT 1 FROM members m WHERE m.session_id = p.session_id "
    "AND m.player = $3 AND (m.role = 'host' OR m.seen_at >= $5)) AS viewer_is_member "
    "FROM platform_sessions p JOIN sessions s ON s.id = p.session_id "
    "WHERE p.platform = $1 AND p.id_digest = $2 "
    "AND s.status = 'active' AND s.host_seen_at >= $4"
)


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """One platform session link."""

    platform: str
    platform_session_id: str
    platform_session_type: str
    custom_data: dict[str, str]
    session_id: int


@dataclass(frozen=True, slots=True)
class Resolved:
    """A link whose lobbyd session is active, and whether the viewer is one of its members."""

    link: LinkRecord
    viewer_is_member: bool


@dataclass(frozen=True, slots=True)
class LinkValues:
    """What a PUT writes."""

    platform: str
    digest: str
    platform_session_id: str
    platform_session_type: str
    custom_data: dict[str, str]


def _link(row: Row) -> LinkRecord:
    return LinkRecord(
        platform=row["platform"],
        platform_session_id=row["platform_session_id"],
        platform_session_type=row["platform_session_type"],
        custom_data=json.loads(row["custom_data"]),
        session_id=int(row["session_id"]),
    )


async def link(
    conn: Connection, session_id: int, values: LinkValues, now: float, alive_after: float
) -> Linked:
    """Link the session (locked by the caller) to a platform session, replacing its previous
    link on that platform: `updated` when it was linked to this one already, `taken` when
    another active session holds that platform session."""
    current = await conn.fetchval(
        "SELECT id_digest FROM platform_sessions WHERE session_id = $1 AND platform = $2",
        session_id,
        values.platform,
    )
    if current is not None and current != values.digest:
        await unlink(conn, session_id, values.platform)
    data = json.dumps(values.custom_data, separators=(",", ":"), ensure_ascii=False)
    # The row is overwritten only if this session holds it already, or its holder is no longer
    # active (ended, or its host timed out): an active session's link is never taken away.
    row = await conn.fetchrow(
        "INSERT INTO platform_sessions (platform, id_digest, platform_session_id, "
        "platform_session_type, custom_data, updated_at, session_id) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (platform, id_digest) DO UPDATE SET session_id = excluded.session_id, "
        "platform_session_type = excluded.platform_session_type, "
        "custom_data = excluded.custom_data, updated_at = excluded.updated_at "
        "WHERE platform_sessions.session_id = excluded.session_id OR NOT EXISTS ("
        "SELECT 1 FROM sessions s WHERE s.id = platform_sessions.session_id "
        "AND s.status = 'active' AND s.host_seen_at >= $8) "
        "RETURNING session_id",
        values.platform,
        values.digest,
        values.platform_session_id,
        values.platform_session_type,
        data,
        now,
        session_id,
        alive_after,
    )
    if row is None:
        return "taken"  # the caller raises, which also rolls back the unlink above
    return "updated" if current == values.digest else "created"


async def resolve(
    conn: Reader,
    platform: str,
    digest: str,
    viewer: str | None,
    alive_after: float,
    gone_before: float,
) -> Resolved | None:
    """The link of a platform session, if its lobbyd session is active."""
    row = await conn.fetchrow(RESOLVE_SQL, platform, digest, viewer, alive_after, gone_before)
    if row is None:
        return None
    return Resolved(_link(row), bool(row["viewer_is_member"]))


async def unlink(conn: Connection, session_id: int, platform: str) -> bool:
    """Remove the session's link on a platform; False if it had none."""
    removed = await conn.execute(
        "DELETE FROM platform_sessions WHERE session_id = $1 AND platform = $2",
        session_id,
        platform,
    )
    return bool(removed)


async def release(conn: Connection, platform: str, digest: str) -> bool:
    """Remove a platform session's link, whichever session holds it; False if none does."""
    removed = await conn.execute(
        "DELETE FROM platform_sessions WHERE platform = $1 AND id_digest = $2", platform, digest
    )
    return bool(removed)
