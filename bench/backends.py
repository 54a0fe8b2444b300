"""Databases and Redis the bench uses: its own PostgreSQL databases and SQLite files, created
for the run and dropped after it, and only its own keys in the shared Redis."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path

import asyncpg
import redis.asyncio as aioredis

from bench.log import say, warn

#: Where PostgreSQL and Redis are; override with BENCH_POSTGRES / BENCH_REDIS.
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0")


class Backends:
    """Creates what a run needs and removes all of it at the end."""

    def __init__(self, work_dir: Path) -> None:
        self.run_id = secrets.token_hex(4)
        self.work_dir = work_dir
        self.databases: list[str] = []
        self.sqlite_dirs: list[Path] = []
        #: Every sync-store key the run's sessions used; their Redis keys are deleted at the end.
        self.sync_keys: set[str] = set()
        self.redis_used = False

    @property
    def redis_url(self) -> str:
        """The Redis the redis-store configurations use."""
        return REDIS

    @property
    def redis_prefix(self) -> str:
        """The run's own Redis key prefix (LOBBYD_REDIS_PREFIX), deleted at the end."""
        return f"lobbyd_bench_{self.run_id}:"

    async def postgres_ok(self) -> str | None:
        """None when PostgreSQL answers, else the reason it does not."""
        try:
            conn = await asyncpg.connect(f"{POSTGRES}/postgres", timeout=5)
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            return f"PostgreSQL at {POSTGRES}: {type(exc).__name__}: {exc}"
        await conn.close()
        return None

    async def redis_ok(self) -> str | None:
        """None when Redis answers, else the reason it does not."""
        client = aioredis.from_url(REDIS)
        try:
            await client.ping()
        except (OSError, aioredis.RedisError) as exc:
            return f"Redis at {REDIS}: {type(exc).__name__}: {exc}"
        finally:
            await client.aclose()
        return None

    async def new_postgres(self, label: str) -> str:
        """Create an empty database lobbyd_bench_<run>_<label>; its URL."""
        name = f"lobbyd_bench_{self.run_id}_{label}"
        conn = await asyncpg.connect(f"{POSTGRES}/postgres")
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.databases.append(name)
        return f"{POSTGRES}/{name}"

    def new_sqlite(self, label: str) -> str:
        """A fresh SQLite file in the work folder; its URL."""
        folder = self.work_dir / f"sqlite-{label}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.sqlite_dirs.append(folder)
        return f"sqlite:///{(folder / 'lobbyd.sqlite3').resolve()}"

    async def collect_sync_keys(self, database_url: str) -> None:
        """Remember the sync keys of every session in a database, before it is dropped."""
        if not database_url.startswith("postgresql://"):
            return
        with contextlib.suppress(OSError, asyncpg.PostgresError):
            conn = await asyncpg.connect(database_url)
            try:
                rows = await conn.fetch("SELECT key FROM sessions")
                self.sync_keys.update(str(row[0]) for row in rows)
            finally:
                await conn.close()

    async def cleanup(self) -> None:
        """Drop the run's databases, delete its SQLite files and its Redis keys."""
        if self.redis_used:
            for name in self.databases:
                await self.collect_sync_keys(f"{POSTGRES}/{name}")
            await self._delete_redis_keys()
        if self.databases:
            try:
                conn = await asyncpg.connect(f"{POSTGRES}/postgres")
            except (OSError, asyncpg.PostgresError) as exc:
                warn(f"cannot drop databases {self.databases}: {exc}")
            else:
                try:
                    for name in self.databases:
                        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                        say(f"dropped database {name}")
                finally:
                    await conn.close()
            self.databases.clear()
        for folder in self.sqlite_dirs:
            shutil.rmtree(folder, ignore_errors=True)
        self.sqlite_dirs.clear()

    async def _delete_redis_keys(self) -> None:
        """Delete the run's Redis keys: those under its prefix, and (for a lobbyd that ignores
        LOBBYD_REDIS_PREFIX) those naming one of its sessions' sync keys. Nothing else."""
        client = aioredis.from_url(REDIS)
        deleted = 0
        try:
            batch: list[bytes] = []
            async for raw in client.scan_iter(count=2000):
                text = raw.decode(errors="replace")
                ours = text.startswith(self.redis_prefix)
                if ours or any(part in self.sync_keys for part in _key_parts(text)):
                    batch.append(raw)
                if len(batch) >= 500:
                    deleted += await client.delete(*batch)
                    batch.clear()
            if batch:
                deleted += await client.delete(*batch)
        except (OSError, aioredis.RedisError) as exc:
            warn(f"cannot delete the run's Redis keys: {exc}")
        finally:
            await client.aclose()
        say(f"deleted {deleted} Redis keys ({self.redis_prefix}*, {len(self.sync_keys)} sessions)")


def _key_parts(key: str) -> list[str]:
    """The pieces of a Redis key a sync key can appear as (`prefix:KEY:log`, `{KEY}`...)."""
    parts = [key]
    for sep in (":", "{", "}", "/", "|"):
        parts = [piece for part in parts for piece in part.split(sep)]
    return parts
