"""Seeding straight into the database (COPY on PostgreSQL, one transaction on SQLite), and tokens
minted with the service's own signing key: everything a timed run needs is made before it."""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import asyncpg

from lobbyd.auth.scopes import ADMIN_SCOPES, ADMIN_SUBJECT, HOST_SCOPES
from lobbyd.auth.tokens import Tokens
from lobbyd.kit.clock import SystemClock

HOST_COLUMNS = (
    "uuid",
    "secret_digest",
    "secret_gen",
    "only_friends",
    "allow_nonames",
    "created_at",
    "version",
    "friend_count",
    "ban_count",
)
TOKEN_TTL = 12 * 3600
SESSION_COLUMNS = (
    "host",
    "key",
    "type",
    "capacity",
    "visibility",
    "labels",
    "keywords",
    "connection",
    "turn",
    "status",
    "created_at",
    "host_seen_at",
    "version",
    "event_seq",
)


def secret_of(host: str) -> str:
    """The bench's secret for a seeded host (a digest of its uuid: nothing to store)."""
    return "bench-" + hashlib.sha256(host.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class HostCred:
    """A seeded host; its secret is derived from its uuid, so a million of them stay small."""

    uuid: str

    @property
    def secret(self) -> str:
        """What it logs in with."""
        return secret_of(self.uuid)


class Minter:
    """Signs tokens exactly as the service does (same key, issuer, audience, claims)."""

    def __init__(self, jwt_secret: str) -> None:
        self._tokens = Tokens(
            jwt_secret,
            algorithm="HS256",
            issuer="lobbyd",
            audience="lobbyd",
            ttl=TOKEN_TTL,
            clock=SystemClock(),
        )
        self._cache: dict[str, str] = {}

    def host(self, host: str) -> str:
        """A host's bearer token (secret generation 0, as seeded)."""
        token = self._cache.get(host)
        if token is None:
            token = self._tokens.issue(host, HOST_SCOPES, generation=0, ttl=TOKEN_TTL)
            self._cache[host] = token
        return token

    def admin(self) -> str:
        """An admin token (scope session:*), as `lobbyd token --admin` prints."""
        return self._tokens.issue(ADMIN_SUBJECT, ADMIN_SCOPES, ttl=TOKEN_TTL)


def _host_rows(
    hosts: Sequence[HostCred], only_friends: bool, allow_nonames: bool
) -> Iterator[tuple[object, ...]]:
    now = time.time()
    for host in hosts:
        digest = hashlib.sha256(host.secret.encode()).hexdigest()
        yield (host.uuid, digest, 0, only_friends, allow_nonames, now, 1, 0, 0)


def new_hosts(count: int) -> list[HostCred]:
    """Fresh host identities (not yet in any database)."""
    return [HostCred(str(uuid.uuid4())) for _ in range(count)]


class Seeder:
    """Writes rows straight into one lobbyd database whose schema is already migrated."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.postgres = database_url.startswith("postgresql://")

    async def hosts(
        self, count: int, *, only_friends: bool = False, allow_nonames: bool = True
    ) -> list[HostCred]:
        """Insert `count` hosts; by default they welcome anyone (the join scenarios need it)."""
        made = new_hosts(count)
        await self._copy("hosts", HOST_COLUMNS, _host_rows(made, only_friends, allow_nonames))
        return made

    async def friends(self, pairs: Iterable[tuple[str, str]]) -> int:
        """Insert friendships (host, friend), keeping hosts.friend_count in step."""
        now = time.time()
        rows = [(host, friend, now) for host, friend in pairs]
        await self._copy("friends", ("host", "friend", "added_at"), iter(rows))
        counts = Counter(host for host, _, _ in rows)
        await self._executemany(
            "UPDATE hosts SET friend_count = friend_count + $1 WHERE uuid = $2",
            [(n, host) for host, n in counts.items()],
        )
        return len(rows)

    async def sessions(self, hosts: Sequence[HostCred], keywords: int = 10) -> dict[str, int]:
        """One active, open session per host, straight into the sessions tables: the session,
        its host as member, and keywords `bench` and `modeN` (N = index mod `keywords`). Their
        sync documents are not made: lobbyd creates one on the first change that needs it.
        The new sessions' ids, by host."""
        now = time.time()
        rows = [
            (
                host.uuid,
                secrets.token_urlsafe(24),
                "default",
                8,
                "open",
                "{}",
                json.dumps(["bench", f"mode{i % keywords}"]),
                None,
                "[]",
                "active",
                now,
                now,
                1,
                0,
            )
            for i, host in enumerate(hosts)
        ]
        await self._copy("sessions", SESSION_COLUMNS, iter(rows))
        ids = await self._session_ids([host.uuid for host in hosts])
        members = ((ids[h.uuid], h.uuid, "host", now, now) for h in hosts)
        await self._copy(
            "members", ("session_id", "player", "role", "joined_at", "seen_at"), members
        )
        words = (
            (ids[h.uuid], word)
            for i, h in enumerate(hosts)
            for word in ("bench", f"mode{i % keywords}")
        )
        await self._copy("session_keywords", ("session_id", "keyword"), words)
        return ids

    async def _session_ids(self, hosts: list[str]) -> dict[str, int]:
        """Active session id by host."""
        sql = "SELECT id, host FROM sessions WHERE status = 'active' AND host = ANY($1::varchar[])"
        if self.postgres:
            conn = await asyncpg.connect(self.url)
            try:
                rows = await conn.fetch(sql, hosts)
            finally:
                await conn.close()
            return {row["host"]: int(row["id"]) for row in rows}
        found: dict[str, int] = {}
        with _sqlite(self.url) as db:
            for start in range(0, len(hosts), 500):
                chunk = hosts[start : start + 500]
                marks = ", ".join("?" for _ in chunk)
                query = (
                    f"SELECT id, host FROM sessions WHERE status = 'active' AND host IN ({marks})"
                )
                found.update({host: int(sid) for sid, host in db.execute(query, chunk)})
        return found

    async def analyze(self) -> None:
        """Refresh the planner's statistics after a bulk load."""
        await self._execute("ANALYZE")

    async def _copy(
        self, table: str, columns: Sequence[str], rows: Iterator[tuple[object, ...]]
    ) -> None:
        if self.postgres:
            conn = await asyncpg.connect(self.url)
            try:
                await conn.copy_records_to_table(table, records=rows, columns=list(columns))
            finally:
                await conn.close()
            return
        marks = ", ".join("?" for _ in columns)
        with _sqlite(self.url) as db:
            db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                ((*(int(v) if isinstance(v, bool) else v for v in row),) for row in rows),
            )

    async def _executemany(self, sql: str, args: list[tuple[object, ...]]) -> None:
        if self.postgres:
            conn = await asyncpg.connect(self.url)
            try:
                await conn.executemany(sql, args)
            finally:
                await conn.close()
            return
        with _sqlite(self.url) as db:
            db.executemany(sql.replace("$1", "?1").replace("$2", "?2"), args)

    async def _execute(self, sql: str) -> None:
        if self.postgres:
            conn = await asyncpg.connect(self.url)
            try:
                await conn.execute(sql)
            finally:
                await conn.close()
            return
        with _sqlite(self.url) as db:
            db.execute(sql)


class _sqlite:
    """A stdlib connection in one transaction, committed on success (fast bulk loads)."""

    def __init__(self, url: str) -> None:
        self.path = url.removeprefix("sqlite:///")

    def __enter__(self) -> sqlite3.Connection:
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA synchronous=OFF")
        return self.db

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.db.commit()
        self.db.close()
