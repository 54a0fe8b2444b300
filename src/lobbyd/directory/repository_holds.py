"""SQL of invites and reservations. Every write runs under the session's row lock (taken by
Lifecycle.within), the lock joins take too, so holds and seats never race a join."""

from __future__ import annotations

from dataclasses import dataclass

from lobbyd.db import Connection


@dataclass(frozen=True, slots=True)
class InviteRecord:
    """One row of invites."""

    session_id: int
    player: str
    inviter: str
    created_at: float


@dataclass(frozen=True, slots=True)
class ReservationRecord:
    """One row of reservations (live or expired)."""

    session_id: int
    player: str
    created_at: float
    expires_at: float


async def is_member(conn: Connection, session_id: int, player: str) -> bool:
    """True when the player has joined the session and not left."""
    found = await conn.fetchval(
        "SELECT 1 FROM members WHERE session_id = $1 AND player = $2", session_id, player
    )
    return found is not None


async def invite(conn: Connection, session_id: int, player: str) -> InviteRecord | None:
    """The player's pending invite to the session, if any."""
    row = await conn.fetchrow(
        "SELECT session_id, player, inviter, created_at FROM invites "
        "WHERE session_id = $1 AND player = $2",
        session_id,
        player,
    )
    if row is None:
        return None
    return InviteRecord(int(row["session_id"]), row["player"], row["inviter"], row["created_at"])


async def invites(conn: Connection, session_id: int) -> list[InviteRecord]:
    """The session's pending invites, oldest first."""
    rows = await conn.fetch(
        "SELECT session_id, player, inviter, created_at FROM invites WHERE session_id = $1 "
        "ORDER BY created_at, player",
        session_id,
    )
    return [
        InviteRecord(int(row["session_id"]), row["player"], row["inviter"], row["created_at"])
        for row in rows
    ]


async def add_invite(
    conn: Connection, session_id: int, player: str, inviter: str, now: float, limit: int
) -> bool:
    """Invite a player if the session holds fewer than `limit` invites; False otherwise (or if
    the invite exists: check that first)."""
    added = await conn.execute(
        "INSERT INTO invites (session_id, player, inviter, created_at) "
        "SELECT $1, CAST($2 AS VARCHAR(128)), CAST($3 AS VARCHAR(36)), $4 "
        "WHERE (SELECT count(*) FROM invites WHERE session_id = $1) < $5 "
        "ON CONFLICT DO NOTHING",
        session_id,
        player,
        inviter,
        now,
        limit,
    )
    return bool(added)


async def delete_invite(conn: Connection, session_id: int, player: str) -> bool:
    """Forget a pending invite; False if there was none."""
    removed = await conn.execute(
        "DELETE FROM invites WHERE session_id = $1 AND player = $2", session_id, player
    )
    return bool(removed)


async def reservation(conn: Connection, session_id: int, player: str) -> ReservationRecord | None:
    """The player's reservation in the session, live or expired."""
    row = await conn.fetchrow(
        "SELECT session_id, player, created_at, expires_at FROM reservations "
        "WHERE session_id = $1 AND player = $2",
        session_id,
        player,
    )
    if row is None:
        return None
    return ReservationRecord(
        int(row["session_id"]), row["player"], row["created_at"], row["expires_at"]
    )


async def reserve(
    conn: Connection,
    session_id: int,
    player: str,
    now: float,
    expires_at: float,
    capacity: int,
) -> ReservationRecord | None:
    """Hold (or keep holding) a seat for the player until `expires_at`, if one is free: members
    plus the other live reservations stay below capacity. None when the session is full."""
    row = await conn.fetchrow(
        "INSERT INTO reservations (session_id, player, created_at, expires_at) "
        "SELECT $1, CAST($2 AS VARCHAR(128)), $3, $4 "
        "WHERE (SELECT count(*) FROM members WHERE session_id = $1) "
        "+ (SELECT count(*) FROM reservations "
        "   WHERE session_id = $1 AND expires_at > $3 AND player <> $2) < $5 "
        "ON CONFLICT (session_id, player) DO UPDATE SET expires_at = excluded.expires_at, "
        "created_at = CASE WHEN reservations.expires_at > excluded.created_at "
        "THEN reservations.created_at ELSE excluded.created_at END "
        "RETURNING session_id, player, created_at, expires_at",
        session_id,
        player,
        now,
        expires_at,
        capacity,
    )
    if row is None:
        return None
    return ReservationRecord(
        int(row["session_id"]), row["player"], row["created_at"], row["expires_at"]
    )


async def release(conn: Connection, session_id: int, player: str, now: float) -> bool:
    """Free the player's reservation; False if it held no live one (an expired one goes too)."""
    row = await conn.fetchrow(
        "DELETE FROM reservations WHERE session_id = $1 AND player = $2 RETURNING expires_at",
        session_id,
        player,
    )
    return row is not None and row["expires_at"] > now
