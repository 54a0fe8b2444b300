"""Set-based seeding of many sessions (one INSERT ... SELECT per table) for the scale tests."""

from __future__ import annotations

from lobbyd.db import Connection

KEYWORDS = 10  # kw0..kw9, plus "bench" on every session
TYPES = 4  # t0..t3


def _numbers(dialect: str, count: int) -> str:
    if dialect == "postgresql":
        return f"(SELECT generate_series(1, {count}) AS n) g"
    return (
        f"(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {count}) "
        "SELECT n FROM c) g"
    )


def _statements(dialect: str, count: int, now: float) -> list[str]:
    g = _numbers(dialect, count)
    active = "g.n % 5 <> 0"  # one session in five has ended
    return [
        "INSERT INTO hosts (uuid, secret_digest, secret_gen, only_friends, allow_nonames, "
        "created_at, version, friend_count, ban_count) "
        f"SELECT 'host-' || g.n, 'x', 0, g.n % 2 = 0, g.n % 3 = 0, {now}, 0, 0, 0 FROM {g}",
        "INSERT INTO sessions (id, host, key, type, capacity, visibility, labels, keywords, "
        "connection, turn, status, created_at, host_seen_at, version, event_seq) "
        f"SELECT g.n, 'host-' || g.n, 'key-' || g.n, 't' || (g.n % {TYPES}), 8, "
        "CASE WHEN g.n % 10 = 1 THEN 'private' ELSE 'open' END, '{}', "
        f"'[\"kw' || (g.n % {KEYWORDS}) || '\",\"bench\"]', NULL, '[]', "
        f"CASE WHEN {active} THEN 'active' ELSE 'ended' END, {now}, {now}, 1, 0 FROM {g}",
        "INSERT INTO members (session_id, player, role, joined_at, seen_at) "
        f"SELECT g.n, 'host-' || g.n, 'host', {now}, {now} FROM {g} WHERE {active}",
        "INSERT INTO members (session_id, player, role, joined_at, seen_at) "
        f"SELECT g.n, 'guest-' || g.n, 'guest', {now}, {now} FROM {g} "
        f"WHERE {active} AND g.n % 2 = 0",
        "INSERT INTO session_keywords (session_id, keyword) "
        f"SELECT g.n, 'kw' || (g.n % {KEYWORDS}) FROM {g} WHERE {active}",
        "INSERT INTO session_keywords (session_id, keyword) "
        f"SELECT g.n, 'bench' FROM {g} WHERE {active}",
        "INSERT INTO invites (session_id, player, inviter, created_at) "
        f"SELECT g.n, 'guest-' || (g.n + 1), 'host-' || g.n, {now} FROM {g} "
        f"WHERE {active} AND g.n % 3 = 0",
        "INSERT INTO reservations (session_id, player, created_at, expires_at) "
        f"SELECT g.n, 'guest-' || (g.n + 3), {now}, {now + 60} FROM {g} "
        f"WHERE {active} AND g.n % 7 = 0",
        "INSERT INTO platform_sessions (platform, id_digest, platform_session_id, "
        "platform_session_type, custom_data, session_id, updated_at) "
        f"SELECT 'Steam', 'digest-' || g.n, 'id-' || g.n, 'lobby', '{{}}', g.n, {now} "
        f"FROM {g} WHERE g.n % 4 = 0",
    ]


async def seed(conn: Connection, count: int, now: float) -> None:
    """`count` sessions (four in five active, one in ten private), their hosts, a guest in every
    other one, keywords, invites, reservations and platform links; then fresh statistics."""
    for statement in _statements(conn.dialect, count, now):
        await conn.execute(statement)
    if conn.dialect == "postgresql":
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('sessions', 'id'), "
            "(SELECT max(id) FROM sessions))"
        )
    await conn.execute("ANALYZE")
