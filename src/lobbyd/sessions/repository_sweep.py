"""SQL of the periodic sweep: what has timed out, and what the outbox still holds."""

from __future__ import annotations

from dataclasses import dataclass

from lobbyd.db import Connection


@dataclass(frozen=True, slots=True)
class Outstanding:
    """A session with events still in the outbox."""

    session_id: int
    key: str
    host: str
    last_seq: int


async def silent_hosts(conn: Connection, cutoff: float, limit: int) -> list[int]:
    """Active sessions whose host was last seen before `cutoff`."""
    rows = await conn.fetch(
        "SELECT id FROM sessions WHERE status = 'active' AND host_seen_at < $1 "
        "ORDER BY host_seen_at LIMIT $2",
        cutoff,
        limit,
    )
    return [int(row["id"]) for row in rows]


async def sessions_with_gone_guests(conn: Connection, cutoff: float, limit: int) -> list[int]:
    """Sessions holding guests last seen before `cutoff`."""
    rows = await conn.fetch(
        "SELECT DISTINCT session_id FROM members WHERE role = 'guest' AND seen_at < $1 LIMIT $2",
        cutoff,
        limit,
    )
    return [int(row["session_id"]) for row in rows]


async def drop_expired_reservations(conn: Connection, now: float) -> int:
    """Delete reservations past their expiry; how many."""
    return await conn.execute("DELETE FROM reservations WHERE expires_at <= $1", now)


async def outstanding(conn: Connection, limit: int) -> list[Outstanding]:
    """Sessions with events in the outbox."""
    rows = await conn.fetch(
        "SELECT e.session_id, s.key, s.host, max(e.seq) AS last_seq FROM session_events e "
        "JOIN sessions s ON s.id = e.session_id "
        "GROUP BY e.session_id, s.key, s.host ORDER BY e.session_id LIMIT $1",
        limit,
    )
    return [
        Outstanding(int(row["session_id"]), row["key"], row["host"], row["last_seq"])
        for row in rows
    ]


async def prune_events(conn: Connection, session_id: int, upto: int) -> None:
    """Forget outbox events the store has applied."""
    await conn.execute(
        "DELETE FROM session_events WHERE session_id = $1 AND seq <= $2", session_id, upto
    )


async def prune_ended(conn: Connection, ended_before: float) -> None:
    """Forget the outbox of sessions ended long enough ago that their documents are gone."""
    await conn.execute(
        "DELETE FROM session_events WHERE session_id IN "
        "(SELECT id FROM sessions WHERE status = 'ended' AND ended_at < $1)",
        ended_before,
    )
