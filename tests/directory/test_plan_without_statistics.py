"""A young database (never analyzed) must not get a keyword search whose cost grows with the
number of sessions: each keyword row looks its session up by primary key."""

from __future__ import annotations

import secrets
import time

import asyncpg
from bench.seed import SESSION_COLUMNS, Seeder

from lobbyd.directory.repository import Search, search_sql
from tests.backends import postgres_database


async def test_keyword_search_uses_the_primary_key_before_any_analyze() -> None:
    async with postgres_database("lobbyd_plan") as url:
        seeder = Seeder(url)
        hosts = await seeder.hosts(8000)
        await seeder.sessions(hosts[:500])  # keywords bench, mode0..mode9
        conn = await asyncpg.connect(url)
        try:
            now = time.time()
            await conn.copy_records_to_table(
                "sessions",
                columns=SESSION_COLUMNS,
                records=[
                    (
                        h.uuid,
                        secrets.token_urlsafe(24),
                        "default",
                        8,
                        "open",
                        "{}",
                        "[]",
                        None,
                        "[]",
                        "active",
                        now,
                        now,
                        1,
                        0,
                    )
                    for h in hosts[500:]
                ],
            )
            search = Search(
                source="keyword",
                now=now,
                alive_after=now - 60,
                gone_before=now - 120,
                keyword="mode3",
                limit=20,
            )
            sql, args = search_sql(search, "postgresql")
            plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + sql, *args))
        finally:
            await conn.close()
    assert "pk_sessions" in plan, plan
    assert "ix_sessions_active_id" not in plan, plan
