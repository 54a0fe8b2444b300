"""At 10^5 sessions every directory read is index-backed and touches O(page) rows, not O(N).

PostgreSQL: EXPLAIN ANALYZE of each statement, under custom plans and under the generic plans
asyncpg's statement cache ends up running, has no Seq Scan, and its scans return a number of
rows bounded by the page size. SQLite: EXPLAIN QUERY PLAN has only index searches (SCAN only
of a player's handful of derived rows).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from lobbyd.auth.tokens import Claims
from lobbyd.db import Connection, Database, open_database
from lobbyd.directory import query as rules
from lobbyd.directory.repository import HOLDINGS_SQL, search_sql
from lobbyd.directory.repository_platforms import RESOLVE_SQL
from lobbyd.directory.schemas import SessionQuery
from lobbyd.sessions.timing import Timing
from tests.backends import postgres_database, sqlite_database
from tests.directory.seed import seed

pytestmark = pytest.mark.slow

SESSIONS = 100_000
NOW = 1_800_000_000.0
TIMING = Timing(60.0)
#: Rows all scans of one statement may return: a page of 100 and its per-row lookups, with
#: room to skip non-matching candidates; far below the 10^5 a full scan would read.
ROW_BUDGET = 2_000

HOST = Claims("host-2", frozenset({"session:read-player:self"}), 0, 2**40, "t")
ADMIN = Claims("admin", frozenset({"session:*"}), None, 2**40, "t")
QUERIES: dict[str, tuple[Claims, dict[str, Any]]] = {
    "keyword": (HOST, {"keyword": "kw3", "take": 20}),
    "keyword+type": (HOST, {"keyword": "kw4", "type": "t0", "take": 20}),
    "keyword+open": (HOST, {"keyword": "kw3", "visibility": "open", "take": 20}),
    "keyword+private": (HOST, {"keyword": "bench", "private": True}),
    "keyword+private-admin": (ADMIN, {"keyword": "bench", "private": True}),
    "player": (HOST, {"player": "host-4"}),
    "player+flags": (
        ADMIN,
        {"player": "guest-4", "inactive": True, "reservations": True, "private": True},
    ),
    "player+keyword+type": (HOST, {"player": "host-4", "keyword": "kw4", "type": "t0"}),
    "token": (HOST, {}),
    "token+reservations": (HOST, {"reservations": True}),
    "admin": (ADMIN, {}),
    "admin+type": (ADMIN, {"type": "t1"}),
    "admin+private+open": (ADMIN, {"private": True, "visibility": "open"}),
}
CURSORS = {"first-page": 0, "mid-cursor": SESSIONS // 2, "last-page": SESSIONS - 10}
PLAYERS = ["host-4", "guest-4", "guest-10", "nobody"]  # host; guest+invite; invite+seat


@pytest.fixture(scope="module")
async def seeded(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    """A database of its own holding 10^5 sessions (dropped afterwards)."""
    directory: Path = tmp_path_factory.mktemp("scale")
    context = (
        postgres_database("lobbyd_scale") if backend == "postgresql" else sqlite_database(directory)
    )
    async with context as url:
        db = open_database(url)
        await db.connect()
        async with db.transaction() as conn:
            await seed(conn, SESSIONS, NOW)
        yield db
        await db.close()


def _scans(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node] if "Scan" in node["Node Type"] else []
    for child in node.get("Plans", []):
        found += _scans(child)
    return found


async def _check_postgres(conn: Connection, sql: str, args: list[Any]) -> None:
    for mode in ("auto", "force_generic_plan"):
        await conn.execute(f"SET LOCAL plan_cache_mode = {mode}")
        text = await conn.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, *args)
        plan = json.loads(text)[0]["Plan"]
        scans = _scans(plan)
        assert not [s for s in scans if s["Node Type"] == "Seq Scan"], (mode, scans)
        touched = sum(s["Actual Rows"] * s["Actual Loops"] for s in scans)
        assert touched <= ROW_BUDGET, (mode, touched, scans)


async def _check_sqlite(conn: Connection, sql: str, args: list[Any]) -> None:
    steps = [row[3] for row in await conn.fetch("EXPLAIN QUERY PLAN " + sql, *args)]  # type: ignore[index]
    # "SCAN c" walks the few rows of one player's memberships and reservations.
    full = [step for step in steps if step.startswith("SCAN ") and step != "SCAN c"]
    assert not full, steps


async def _check(db: Database, sql: str, args: list[Any]) -> None:
    async with db.reading() as conn:
        if conn.dialect == "postgresql":
            await _check_postgres(conn, sql, args)
        else:
            await _check_sqlite(conn, sql, args)


@pytest.mark.parametrize("after", CURSORS.values(), ids=CURSORS.keys())
@pytest.mark.parametrize("name", QUERIES)
async def test_each_query_is_index_backed_and_flat(seeded: Database, name: str, after: int) -> None:
    caller, filters = QUERIES[name]
    search = rules.resolve(caller, SessionQuery(**filters), TIMING, NOW, after)
    assert search is not None
    await _check(seeded, *search_sql(search, seeded.dialect))


@pytest.mark.parametrize("player", PLAYERS)
async def test_per_player_reads_are_index_backed_and_flat(seeded: Database, player: str) -> None:
    await _check(seeded, HOLDINGS_SQL, [player, NOW - 60, NOW - 120, NOW])


async def test_platform_session_reads_are_index_backed_and_flat(seeded: Database) -> None:
    await _check(seeded, RESOLVE_SQL, ["Steam", "digest-8", "host-8", NOW - 60, NOW - 120])


async def test_the_seed_is_as_large_as_claimed(seeded: Database) -> None:
    async with seeded.reading() as conn:
        assert await conn.fetchval("SELECT count(*) FROM sessions") == SESSIONS
        assert await conn.fetchval("SELECT count(*) FROM members") == SESSIONS * 4 // 5 * 3 // 2
