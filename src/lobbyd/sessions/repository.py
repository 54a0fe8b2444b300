"""SQL of sessions, members, holds (invites, reservations) and the membership-event outbox.

Invariants live in the schema and in conditional statements: one active session per host
(a partial unique index), one active session per player (unique members.player), capacity
(a conditional INSERT run under the session's row lock).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lobbyd.db import Connection, Reader, Row

_COLUMNS = (
    "id, host, key, type, capacity, visibility, labels, keywords, connection, turn, status, "
    "end_reason, created_at, host_seen_at, version, event_seq"
)


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One row of sessions."""

    id: int
    host: str
    key: str
    type: str
    capacity: int
    visibility: str
    labels: dict[str, str]
    keywords: list[str]
    connection: dict[str, Any] | None
    turn: list[str]
    status: str
    end_reason: str | None
    created_at: float
    host_seen_at: float
    version: int
    event_seq: int


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """One row of members."""

    session_id: int
    player: str
    role: str
    joined_at: float
    seen_at: float


@dataclass(frozen=True, slots=True)
class Membership:
    """A player's place in an active session, with that session's host liveness."""

    session_id: int
    role: str
    seen_at: float
    host_seen_at: float


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One row of the outbox."""

    session_id: int
    seq: int
    type: str
    player: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Options:
    """A session's options as stored."""

    type: str
    capacity: int
    visibility: str
    keywords: list[str]
    labels: dict[str, str]
    connection: dict[str, Any] | None


def _session(row: Row) -> SessionRecord:
    connection = row["connection"]
    return SessionRecord(
        id=int(row["id"]),
        host=row["host"],
        key=row["key"],
        type=row["type"],
        capacity=row["capacity"],
        visibility=row["visibility"],
        labels=json.loads(row["labels"]),
        keywords=json.loads(row["keywords"]),
        connection=json.loads(connection) if connection else None,
        turn=json.loads(row["turn"]),
        status=row["status"],
        end_reason=row["end_reason"],
        created_at=row["created_at"],
        host_seen_at=row["host_seen_at"],
        version=row["version"],
        event_seq=row["event_seq"],
    )


def _dump(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


async def insert(
    conn: Connection, host: str, key: str, options: Options, now: float
) -> SessionRecord | None:
    """Create an active session; None if the host already has one (the unique index says so)."""
    row = await conn.fetchrow(
        "INSERT INTO sessions (host, key, type, capacity, visibility, labels, keywords, "
        "connection, turn, status, created_at, host_seen_at, version, event_seq) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '[]', 'active', $9, $9, 1, 0) "
        f"ON CONFLICT (host) WHERE status = 'active' DO NOTHING RETURNING {_COLUMNS}",
        host,
        key,
        options.type,
        options.capacity,
        options.visibility,
        _dump(options.labels),
        _dump(options.keywords),
        _dump(options.connection) if options.connection is not None else None,
        now,
    )
    if row is None:
        return None
    record = _session(row)
    await set_keywords(conn, record.id, options.keywords)
    return record


async def set_keywords(conn: Connection, session_id: int, keywords: Sequence[str]) -> None:
    """Replace the session's keyword rows (what queries by keyword use)."""
    await conn.execute("DELETE FROM session_keywords WHERE session_id = $1", session_id)
    if keywords:
        await conn.executemany(
            "INSERT INTO session_keywords (session_id, keyword) VALUES ($1, $2)",
            [(session_id, keyword) for keyword in keywords],
        )


async def get(conn: Connection, session_id: int) -> SessionRecord | None:
    """A session, active or ended."""
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM sessions WHERE id = $1", session_id)
    return _session(row) if row else None


async def by_key(conn: Reader, key: str) -> SessionRecord | None:
    """The session whose source of truth is under `key`."""
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM sessions WHERE key = $1", key)
    return _session(row) if row else None


async def active_of_host(conn: Connection, host: str) -> SessionRecord | None:
    """The host's active session, if any."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM sessions WHERE host = $1 AND status = 'active'", host
    )
    return _session(row) if row else None


async def lock(conn: Connection, session_id: int) -> SessionRecord | None:
    """Lock an active session's row for this transaction (and bump its version)."""
    row = await conn.fetchrow(
        "UPDATE sessions SET version = version + 1 "
        f"WHERE id = $1 AND status = 'active' RETURNING {_COLUMNS}",
        session_id,
    )
    return _session(row) if row else None


async def lock_of_host(conn: Connection, host: str) -> SessionRecord | None:
    """Lock the host's active session (and bump its version); None if it has none."""
    row = await conn.fetchrow(
        "UPDATE sessions SET version = version + 1 "
        f"WHERE host = $1 AND status = 'active' RETURNING {_COLUMNS}",
        host,
    )
    return _session(row) if row else None


async def end(conn: Connection, session_id: int, reason: str, now: float) -> SessionRecord | None:
    """End an active session and free its players; None if it was not active."""
    row = await conn.fetchrow(
        "UPDATE sessions SET status = 'ended', end_reason = $2, ended_at = $3, "
        "version = version + 1 "
        f"WHERE id = $1 AND status = 'active' RETURNING {_COLUMNS}",
        session_id,
        reason,
        now,
    )
    if row is None:
        return None
    # An ended session holds no one and links nothing: its platform sessions are free again.
    for table in ("members", "invites", "reservations", "session_keywords", "platform_sessions"):
        await conn.execute(f"DELETE FROM {table} WHERE session_id = $1", session_id)
    return _session(row)


async def update(conn: Connection, session_id: int, fields: dict[str, object]) -> None:
    """Change mutable options (visibility, keywords, labels, connection, turn)."""
    allowed = ("visibility", "keywords", "labels", "connection", "turn")
    names = [name for name in allowed if name in fields]
    if not names:
        return
    values = [
        fields[name]
        if name == "visibility"
        else (None if fields[name] is None else _dump(fields[name]))
        for name in names
    ]
    assignments = ", ".join(f"{name} = ${index}" for index, name in enumerate(names, start=2))
    await conn.execute(f"UPDATE sessions SET {assignments} WHERE id = $1", session_id, *values)
    if "keywords" in fields:
        keywords = fields["keywords"]
        assert isinstance(keywords, list)
        await set_keywords(conn, session_id, keywords)


async def touch_host(conn: Connection, session_id: int, now: float, cutoff: float) -> None:
    """Record a sign of the host's life, unless it already timed out (seen before cutoff)."""
    await conn.execute(
        "UPDATE sessions SET host_seen_at = $2 "
        "WHERE id = $1 AND status = 'active' AND host_seen_at < $2 AND host_seen_at >= $3",
        session_id,
        now,
        cutoff,
    )


async def touch_members(
    conn: Connection, session_id: int, players: Sequence[str], now: float
) -> None:
    """Record signs of life of some members."""
    await conn.executemany(
        "UPDATE members SET seen_at = $3 WHERE session_id = $1 AND player = $2 AND seen_at < $3",
        [(session_id, player, now) for player in players],
    )


async def membership(conn: Reader, player: str) -> Membership | None:
    """The player's membership in an active session, if any."""
    row = await conn.fetchrow(
        "SELECT m.session_id, m.role, m.seen_at, s.host_seen_at FROM members m "
        "JOIN sessions s ON s.id = m.session_id WHERE m.player = $1",
        player,
    )
    if row is None:
        return None
    return Membership(int(row["session_id"]), row["role"], row["seen_at"], row["host_seen_at"])


def _member(row: Row) -> MemberRecord:
    return MemberRecord(
        int(row["session_id"]), row["player"], row["role"], row["joined_at"], row["seen_at"]
    )


async def members(conn: Connection, session_id: int) -> list[MemberRecord]:
    """The session's members, host first, then by arrival."""
    rows = await conn.fetch(
        "SELECT session_id, player, role, joined_at, seen_at FROM members WHERE session_id = $1 "
        "ORDER BY role DESC, joined_at, player",
        session_id,
    )
    return [_member(row) for row in rows]


async def add_member(
    conn: Connection, session_id: int, player: str, role: str, now: float, capacity: int
) -> bool:
    """Admit a player if a seat is free (members + live reservations other than the player's
    own < capacity) and the player is in no active session; False otherwise. Run it under the
    session's row lock."""
    added = await conn.execute(
        "INSERT INTO members (session_id, player, role, joined_at, seen_at) "
        "SELECT $1, CAST($2 AS VARCHAR(128)), CAST($3 AS VARCHAR(8)), $4, $4 "
        "WHERE (SELECT count(*) FROM members WHERE session_id = $1) "
        "+ (SELECT count(*) FROM reservations "
        "   WHERE session_id = $1 AND expires_at > $4 AND player <> $2) < $5 "
        "ON CONFLICT DO NOTHING",
        session_id,
        player,
        role,
        now,
        capacity,
    )
    return bool(added)


async def remove_member(conn: Connection, session_id: int, player: str) -> bool:
    """Remove a guest; False if it was not a member."""
    removed = await conn.execute(
        "DELETE FROM members WHERE session_id = $1 AND player = $2 AND role = 'guest'",
        session_id,
        player,
    )
    return bool(removed)


@dataclass(frozen=True, slots=True)
class Standing:
    """A player's membership anywhere, and its holds on one session."""

    membership: Membership | None
    invited: bool
    reserved: bool


async def standing(conn: Connection, session_id: int, player: str, now: float) -> Standing:
    """In one round trip: the player's membership (any session) and its invite and live
    reservation for `session_id`."""
    row = await conn.fetchrow(
        "SELECT m.session_id, m.role, m.seen_at, s.host_seen_at, "
        "EXISTS (SELECT 1 FROM invites i WHERE i.session_id = $1 AND i.player = $2) AS invited, "
        "EXISTS (SELECT 1 FROM reservations r WHERE r.session_id = $1 AND r.player = $2 "
        "AND r.expires_at > $3) AS reserved "
        "FROM (SELECT 1 AS one) AS anchor "
        "LEFT JOIN members m ON m.player = $2 LEFT JOIN sessions s ON s.id = m.session_id",
        session_id,
        player,
        now,
    )
    assert row is not None
    membership = (
        Membership(int(row["session_id"]), row["role"], row["seen_at"], row["host_seen_at"])
        if row["session_id"] is not None
        else None
    )
    return Standing(membership, bool(row["invited"]), bool(row["reserved"]))


async def holds(conn: Connection, session_id: int, player: str, now: float) -> tuple[bool, bool]:
    """(invited, reserved): whether the player holds an invite or a live reservation."""
    row = await conn.fetchrow(
        "SELECT EXISTS (SELECT 1 FROM invites WHERE session_id = $1 AND player = $2) AS invited, "
        "EXISTS (SELECT 1 FROM reservations WHERE session_id = $1 AND player = $2 "
        "AND expires_at > $3) AS reserved",
        session_id,
        player,
        now,
    )
    assert row is not None
    return bool(row["invited"]), bool(row["reserved"])


async def consume_holds(conn: Connection, session_id: int, player: str) -> None:
    """Joining uses up the player's invite and reservation."""
    await conn.execute(
        "DELETE FROM invites WHERE session_id = $1 AND player = $2", session_id, player
    )
    await conn.execute(
        "DELETE FROM reservations WHERE session_id = $1 AND player = $2", session_id, player
    )


async def live_reservations(conn: Connection, session_id: int, now: float) -> list[str]:
    """Players holding a live reservation, oldest first."""
    rows = await conn.fetch(
        "SELECT player FROM reservations WHERE session_id = $1 AND expires_at > $2 "
        "ORDER BY created_at, player",
        session_id,
        now,
    )
    return [row["player"] for row in rows]


async def add_event(
    conn: Connection,
    session_id: int,
    kind: str,
    now: float,
    player: str | None = None,
    reason: str | None = None,
) -> int:
    """Number and write a membership event to the outbox (relayed to the sync store after
    commit); returns its number. Run it under the session's row lock."""
    if conn.dialect == "postgresql":
        seq = await conn.fetchval(
            "WITH bumped AS (UPDATE sessions SET event_seq = event_seq + 1 WHERE id = $1 "
            "RETURNING event_seq) "
            "INSERT INTO session_events (session_id, seq, type, player, reason, created_at) "
            "SELECT $1, event_seq, $2, $3, $4, $5 FROM bumped RETURNING seq",
            session_id,
            kind,
            player,
            reason,
            now,
        )
        return int(seq)
    seq = await conn.fetchval(
        "UPDATE sessions SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq",
        session_id,
    )
    await conn.execute(
        "INSERT INTO session_events (session_id, seq, type, player, reason, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        session_id,
        seq,
        kind,
        player,
        reason,
        now,
    )
    return int(seq)


async def events_after(conn: Connection, session_id: int, after: int) -> list[EventRecord]:
    """Outbox events of a session numbered above `after`, in order."""
    rows = await conn.fetch(
        "SELECT session_id, seq, type, player, reason FROM session_events "
        "WHERE session_id = $1 AND seq > $2 ORDER BY seq",
        session_id,
        after,
    )
    return [
        EventRecord(int(r["session_id"]), r["seq"], r["type"], r["player"], r["reason"])
        for r in rows
    ]


async def remove_gone_guests(conn: Connection, session_id: int, cutoff: float) -> list[str]:
    """Remove guests silent since before `cutoff`; the players removed."""
    rows = await conn.fetch(
        "DELETE FROM members WHERE session_id = $1 AND role = 'guest' AND seen_at < $2 "
        "RETURNING player",
        session_id,
        cutoff,
    )
    return sorted(row["player"] for row in rows)


async def drop_holds_of(conn: Connection, session_id: int, player: str) -> None:
    """Forget a player's invite and reservation in one session (after a ban)."""
    await consume_holds(conn, session_id, player)


async def count_active(conn: Reader, alive_after: float) -> int:
    """Active sessions whose host has shown life since `alive_after` (the partial index of
    active sessions by host_seen_at answers it)."""
    count = await conn.fetchval(
        "SELECT count(*) FROM sessions WHERE status = 'active' AND host_seen_at >= $1",
        alive_after,
    )
    return int(count or 0)
