"""SQL of the directory's reads: the query (GET /sessions) and a player's holdings.

The directory is the read model over sessions: these statements read the sessions tables (and
the host's only_friends flag) directly, each answer in one round trip, each one index-backed:
candidates come from an index in session-id order (session_keywords by keyword, members and
reservations by player, or the partial indexes of active sessions), so a page costs the same
at a thousand sessions or a million.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from lobbyd.db import Reader, Row
from lobbyd.db.base import Dialect

Source = Literal["player", "keyword", "all"]
#: Which private sessions a search may list: none, every one (admin), or the viewer's own.
Privacy = Literal["none", "all", "member"]


@dataclass(frozen=True, slots=True)
class Search:
    """A query resolved into what the SQL needs (the service decides what each filter means)."""

    source: Source
    now: float
    alive_after: float  # hosts seen before this have timed out
    gone_before: float  # guests seen before this are gone
    player: str | None = None
    player_seen_after: float = 0.0  # guests of `player` seen before this are not listed
    reservations: bool = False
    keyword: str | None = None
    type: str | None = None
    host: str | None = None
    privacy: Privacy = "none"
    viewer: str | None = None
    joinable: bool = False
    after: int = 0
    limit: int = 100


@dataclass(frozen=True, slots=True)
class Found:
    """One session a search found, with its counts and the filtered player's place in it."""

    id: int
    host: str
    type: str
    created_at: float
    capacity: int
    visibility: str
    keywords: list[str]
    labels: dict[str, str]
    turn: list[str]
    only_friends: bool
    accepted: int
    reserved: int
    player_role: str | None  # host | guest | reserved, with a player filter
    player_seen_at: float | None


@dataclass(frozen=True, slots=True)
class Holding:
    """A player's membership, pending invite or live reservation in an active session."""

    kind: Literal["member", "invite", "reserved"]
    session_id: int
    type: str
    at: float
    inviter: str | None


class _Args:
    """Numbered placeholders for values, in the order they are first used."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def _counts(args: _Args, search: Search) -> tuple[str, str]:
    gone, now = args(search.gone_before), args(search.now)
    accepted = (
        "(SELECT count(*) FROM members m WHERE m.session_id = s.id "
        f"AND (m.role = 'host' OR m.seen_at >= {gone}))"
    )
    reserved = (
        f"(SELECT count(*) FROM reservations r WHERE r.session_id = s.id AND r.expires_at > {now})"
    )
    return accepted, reserved


def _source(args: _Args, search: Search, dialect: Dialect) -> tuple[str, str, str]:
    """FROM clause, the player's columns, and the ORDER BY key of the search's source."""
    if search.source == "keyword":
        # On PostgreSQL each keyword row looks its session up by primary key (LATERAL, fenced
        # by OFFSET 0 so it is not flattened): without statistics yet, the plain join was
        # planned as a range scan of every active session per keyword row, growing with the
        # table. SQLite has no LATERAL and searches by index on its own.
        joined = (
            "session_keywords k CROSS JOIN LATERAL "
            "(SELECT * FROM sessions s1 WHERE s1.id = k.session_id OFFSET 0) s"
            if dialect == "postgresql"
            else "session_keywords k JOIN sessions s ON s.id = k.session_id"
        )
        return joined, "NULL AS player_role, NULL AS player_seen_at", "k.session_id"
    if search.source == "all":
        return "sessions s", "NULL AS player_role, NULL AS player_seen_at", "s.id"
    player, seen = args(search.player), args(search.player_seen_after)
    held = (
        f" UNION ALL SELECT session_id, 'reserved', NULL FROM reservations "
        f"WHERE player = {player} AND expires_at > {args(search.now)}"
        if search.reservations
        else ""
    )
    return (
        "(SELECT session_id, role, seen_at FROM members "
        f"WHERE player = {player} AND (role = 'host' OR seen_at >= {seen}){held}) c "
        "JOIN sessions s ON s.id = c.session_id",
        "c.role AS player_role, c.seen_at AS player_seen_at",
        "s.id",
    )


def _conditions(
    args: _Args, search: Search, order: str, counts: tuple[str, str], dialect: Dialect
) -> list[str]:
    where = [f"k.keyword = {args(search.keyword)}"] if search.source == "keyword" else []
    after = args(search.after)
    where += ["s.status = 'active'", f"s.host_seen_at >= {args(search.alive_after)}"]
    if order == "s.id" or dialect != "postgresql":
        # SQLite: said of both sides of the join, so either may be walked from the cursor on.
        where.append(f"s.id > {after}")
    if order != "s.id":
        where.append(f"{order} > {after}")
    if search.type is not None:
        where.append(f"s.type = {args(search.type)}")
    if search.host is not None:
        where.append(f"s.host = {args(search.host)}")
    if search.keyword is not None and search.source != "keyword":
        where.append(
            "EXISTS (SELECT 1 FROM session_keywords w WHERE w.session_id = s.id "
            f"AND w.keyword = {args(search.keyword)})"
        )
    if search.privacy == "none" or search.joinable:
        where.append("s.visibility = 'open'")
    elif search.privacy == "member":
        where.append(
            "(s.visibility = 'open' OR EXISTS (SELECT 1 FROM members v "
            f"WHERE v.session_id = s.id AND v.player = {args(search.viewer)}))"
        )
    if search.joinable:
        where.append(f"{counts[0]} + {counts[1]} < s.capacity")
    return where


def search_sql(search: Search, dialect: Dialect) -> tuple[str, list[Any]]:
    """The statement and arguments of a search (also what the EXPLAIN tests look at)."""
    args = _Args()
    source, player_columns, order = _source(args, search, dialect)
    counts = _counts(args, search)
    where = " AND ".join(_conditions(args, search, order, counts, dialect))
    sql = (
        "SELECT s.id, s.host, s.type, s.created_at, s.capacity, s.visibility, s.keywords, "
        f"s.labels, s.turn, h.only_friends, {counts[0]} AS accepted, {counts[1]} AS reserved, "
        f"{player_columns} FROM {source} LEFT JOIN hosts h ON h.uuid = s.host "
        f"WHERE {where} ORDER BY {order} LIMIT {args(search.limit)}"
    )
    return sql, args.values


def _found(row: Row) -> Found:
    only_friends = row["only_friends"]
    return Found(
        id=int(row["id"]),
        host=row["host"],
        type=row["type"],
        created_at=row["created_at"],
        capacity=row["capacity"],
        visibility=row["visibility"],
        keywords=json.loads(row["keywords"]),
        labels=json.loads(row["labels"]),
        turn=json.loads(row["turn"]),
        # A host deleted meanwhile has no flags; registration's default is friends-only.
        only_friends=True if only_friends is None else bool(only_friends),
        accepted=int(row["accepted"]),
        reserved=int(row["reserved"]),
        player_role=row["player_role"],
        player_seen_at=row["player_seen_at"],
    )


async def search(conn: Reader, search: Search) -> list[Found]:
    """The sessions a search finds, in session-id order, at most `search.limit`."""
    sql, values = search_sql(search, conn.dialect)
    return [_found(row) for row in await conn.fetch(sql, *values)]


_ACTIVE = "s.status = 'active' AND s.host_seen_at >= $2"
#: The statement of `holdings`; arguments: player, alive_after, gone_before, now.
HOLDINGS_SQL = (
    "SELECT 'member' AS kind, s.id, s.type, m.joined_at AS at, NULL AS inviter "
    "FROM members m JOIN sessions s ON s.id = m.session_id "
    f"WHERE m.player = $1 AND {_ACTIVE} AND (m.role = 'host' OR m.seen_at >= $3) "
    "UNION ALL SELECT 'invite', s.id, s.type, i.created_at, i.inviter "
    "FROM invites i JOIN sessions s ON s.id = i.session_id "
    f"WHERE i.player = $1 AND {_ACTIVE} "
    "UNION ALL SELECT 'reserved', s.id, s.type, r.created_at, NULL "
    "FROM reservations r JOIN sessions s ON s.id = r.session_id "
    f"WHERE r.player = $1 AND r.expires_at > $4 AND {_ACTIVE} "
    "ORDER BY 2, 1"
)


async def holdings(
    conn: Reader, player: str, now: float, alive_after: float, gone_before: float
) -> list[Holding]:
    """The player's memberships, pending invites and live reservations in active sessions."""
    rows = await conn.fetch(
        HOLDINGS_SQL,
        player,
        alive_after,
        gone_before,
        now,
    )
    return [
        Holding(row["kind"], int(row["id"]), row["type"], row["at"], row["inviter"]) for row in rows
    ]
