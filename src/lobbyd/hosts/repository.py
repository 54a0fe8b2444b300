"""SQL of hosts, friends and bans."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from lobbyd.db import Connection, Reader, Row

_COLUMNS = (
    "uuid, secret_digest, secret_gen, only_friends, allow_nonames, version, friend_count, ban_count"
)


@dataclass(frozen=True, slots=True)
class HostRecord:
    """One row of hosts."""

    uuid: str
    secret_digest: str
    secret_gen: int
    only_friends: bool
    allow_nonames: bool
    version: int
    friend_count: int
    ban_count: int


def _record(row: Row) -> HostRecord:
    return HostRecord(
        uuid=row["uuid"],
        secret_digest=row["secret_digest"],
        secret_gen=row["secret_gen"],
        only_friends=bool(row["only_friends"]),
        allow_nonames=bool(row["allow_nonames"]),
        version=row["version"],
        friend_count=row["friend_count"],
        ban_count=row["ban_count"],
    )


async def insert(conn: Connection, uuid: str, secret_digest: str, now: float) -> HostRecord:
    """Create a host with the documented defaults (friends only, no nonames)."""
    row = await conn.fetchrow(
        "INSERT INTO hosts (uuid, secret_digest, secret_gen, only_friends, allow_nonames, "
        "created_at, version, friend_count, ban_count) "
        f"VALUES ($1, $2, 0, TRUE, FALSE, $3, 1, 0, 0) RETURNING {_COLUMNS}",
        uuid,
        secret_digest,
        now,
    )
    assert row is not None
    return _record(row)


async def get(conn: Reader, uuid: str) -> HostRecord | None:
    """A host, or None."""
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM hosts WHERE uuid = $1", uuid)
    return _record(row) if row else None


async def lock(conn: Connection, uuid: str) -> HostRecord | None:
    """Lock a host's row for this transaction (every host write starts here); None if absent."""
    row = await conn.fetchrow(
        f"UPDATE hosts SET version = version + 1 WHERE uuid = $1 RETURNING {_COLUMNS}", uuid
    )
    return _record(row) if row else None


async def secret_generation(conn: Reader, uuid: str) -> int | None:
    """The host's current secret generation, or None if it does not exist."""
    value = await conn.fetchval("SELECT secret_gen FROM hosts WHERE uuid = $1", uuid)
    return int(value) if value is not None else None


async def exists(conn: Reader, uuid: str) -> bool:
    """True when a host with this uuid is registered."""
    return await conn.fetchval("SELECT 1 FROM hosts WHERE uuid = $1", uuid) is not None


async def registered_among(conn: Reader, players: Sequence[str]) -> set[str]:
    """Which of the players are registered hosts."""
    if not players:
        return set()
    marks = ", ".join(f"${index}" for index in range(1, len(players) + 1))
    rows = await conn.fetch(f"SELECT uuid FROM hosts WHERE uuid IN ({marks})", *players)
    return {row["uuid"] for row in rows}


Flag = Literal["only_friends", "allow_nonames"]


async def set_flag(conn: Connection, uuid: str, flag: Flag, value: bool) -> None:
    """Set one of the host's welcome flags."""
    column = {"only_friends": "only_friends", "allow_nonames": "allow_nonames"}[flag]
    await conn.execute(f"UPDATE hosts SET {column} = $2 WHERE uuid = $1", uuid, value)


async def set_secret(conn: Connection, uuid: str, secret_digest: str) -> int:
    """Replace the secret; returns the new generation (older tokens carry an older one)."""
    value = await conn.fetchval(
        "UPDATE hosts SET secret_digest = $2, secret_gen = secret_gen + 1 WHERE uuid = $1 "
        "RETURNING secret_gen",
        uuid,
        secret_digest,
    )
    return int(value)


async def view(conn: Reader, uuid: str) -> tuple[HostRecord, list[str], list[str]] | None:
    """A host with its friends and banlist (oldest first), in one statement."""
    if conn.dialect == "postgresql":
        lists = (
            "ARRAY(SELECT friend FROM friends WHERE host = $1 ORDER BY added_at, friend) AS fl, "
            "ARRAY(SELECT banned FROM bans WHERE host = $1 ORDER BY added_at, banned) AS bl"
        )
    else:
        lists = (
            "(SELECT json_group_array(friend) FROM "
            "(SELECT friend FROM friends WHERE host = $1 ORDER BY added_at, friend)) AS fl, "
            "(SELECT json_group_array(banned) FROM "
            "(SELECT banned FROM bans WHERE host = $1 ORDER BY added_at, banned)) AS bl"
        )
    row = await conn.fetchrow(f"SELECT {_COLUMNS}, {lists} FROM hosts WHERE uuid = $1", uuid)
    if row is None:
        return None
    friend_list, ban_list = row["fl"], row["bl"]
    if isinstance(friend_list, str):  # SQLite hands the lists over as JSON text
        friend_list, ban_list = json.loads(friend_list), json.loads(ban_list)
    return _record(row), list(friend_list), list(ban_list)


async def relationship(conn: Reader, host: str, guest: str) -> Row | None:
    """In one round trip: the host's flags, and whether guest is a friend, banned, registered."""
    return await conn.fetchrow(
        "SELECT h.only_friends, h.allow_nonames, "
        "EXISTS (SELECT 1 FROM friends f WHERE f.host = $1 AND f.friend = $2) AS friend, "
        "EXISTS (SELECT 1 FROM bans b WHERE b.host = $1 AND b.banned = $2) AS banned, "
        "EXISTS (SELECT 1 FROM hosts g WHERE g.uuid = $2) AS registered "
        "FROM hosts h WHERE h.uuid = $1",
        host,
        guest,
    )


async def is_banned(conn: Connection, host: str, guest: str) -> bool:
    """True when guest is on host's banlist."""
    row = await conn.fetchval("SELECT 1 FROM bans WHERE host = $1 AND banned = $2", host, guest)
    return row is not None


async def add_friend(conn: Connection, host: str, friend: str, now: float) -> bool:
    """Add a friend (the host row is locked); False if already there."""
    added = await conn.execute(
        "INSERT INTO friends (host, friend, added_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (host, friend) DO NOTHING",
        host,
        friend,
        now,
    )
    if added:
        await conn.execute("UPDATE hosts SET friend_count = friend_count + 1 WHERE uuid = $1", host)
    return bool(added)


async def remove_friend(conn: Connection, host: str, friend: str) -> bool:
    """Remove a friend (the host row is locked); False if it was not one."""
    removed = await conn.execute(
        "DELETE FROM friends WHERE host = $1 AND friend = $2", host, friend
    )
    if removed:
        await conn.execute("UPDATE hosts SET friend_count = friend_count - 1 WHERE uuid = $1", host)
    return bool(removed)


async def add_ban(conn: Connection, host: str, banned: str, now: float) -> bool:
    """Ban a guest (the host row is locked); False if already banned."""
    added = await conn.execute(
        "INSERT INTO bans (host, banned, added_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (host, banned) DO NOTHING",
        host,
        banned,
        now,
    )
    if added:
        await conn.execute("UPDATE hosts SET ban_count = ban_count + 1 WHERE uuid = $1", host)
    return bool(added)


async def remove_ban(conn: Connection, host: str, banned: str) -> bool:
    """Lift a ban (the host row is locked); False if the guest was not banned."""
    removed = await conn.execute("DELETE FROM bans WHERE host = $1 AND banned = $2", host, banned)
    if removed:
        await conn.execute("UPDATE hosts SET ban_count = ban_count - 1 WHERE uuid = $1", host)
    return bool(removed)


async def lock_for_delete(conn: Connection, uuid: str) -> HostRecord | None:
    """Lock a host about to be deleted, and every host that has it as a friend, in uuid order.

    Their rows are locked before any friend row, as their own writes do, and in one global
    order, so a deletion deadlocks neither with their bans and unfriends nor with their own
    deletions. On PostgreSQL the host's row is locked FOR UPDATE: a plain UPDATE would let a
    concurrent befriend insert a friend row that the cascade removes behind friend_count's back.
    """
    rows = await conn.fetch("SELECT host FROM friends WHERE friend = $1", uuid)
    record = None
    for each in sorted({uuid, *(row[0] for row in rows)}):  # type: ignore[index]
        if each != uuid:
            await conn.execute("UPDATE hosts SET version = version + 1 WHERE uuid = $1", each)
            continue
        if conn.dialect == "postgresql":
            await conn.fetchval("SELECT 1 FROM hosts WHERE uuid = $1 FOR UPDATE", uuid)
        record = await lock(conn, uuid)
    return record


async def delete(conn: Connection, uuid: str) -> None:
    """Delete a host; it leaves every other host's friends list (their counts follow)."""
    rows = await conn.fetch("DELETE FROM friends WHERE friend = $1 RETURNING host", uuid)
    if rows:
        await conn.executemany(
            "UPDATE hosts SET friend_count = friend_count - 1, version = version + 1 "
            "WHERE uuid = $1",
            [(row[0],) for row in rows],  # type: ignore[index]
        )
    await conn.execute("DELETE FROM hosts WHERE uuid = $1", uuid)
