"""The SQLite backend recovers from a transaction a cancelled request left open."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lobbyd.db.sqlite import SqliteDatabase
from tests.backends import sqlite_database


async def test_a_transaction_left_open_is_rolled_back_before_the_next(tmp_path: Path) -> None:
    async with sqlite_database(tmp_path) as url:
        db = SqliteDatabase(url)
        await db.connect()
        try:
            # Reproduce what a cancelled BEGIN leaves behind: a transaction nobody will end.
            writer = db._writer
            assert writer is not None
            await writer.execute("BEGIN IMMEDIATE")
            await writer.execute("INSERT INTO meta (key, value) VALUES ('half', 'written')")
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES ('next', 'ok')")
            assert await db.fetchval("SELECT value FROM meta WHERE key = 'next'") == "ok"
            assert await db.fetchval("SELECT value FROM meta WHERE key = 'half'") is None
        finally:
            await db.close()


async def test_a_cancelled_transaction_leaves_the_database_usable(tmp_path: Path) -> None:
    async with sqlite_database(tmp_path) as url:
        db = SqliteDatabase(url)
        await db.connect()
        entered = asyncio.Event()

        async def stuck() -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES ('lost', 'x')")
                entered.set()
                await asyncio.sleep(3600)

        try:
            task = asyncio.create_task(stuck())
            await entered.wait()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES ('kept', 'y')")
            assert await db.fetchval("SELECT value FROM meta WHERE key = 'lost'") is None
            assert await db.fetchval("SELECT value FROM meta WHERE key = 'kept'") == "y"
        finally:
            await db.close()
