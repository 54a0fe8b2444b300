"""Real databases and Redis for tests: created fresh, dropped after, never anyone else's."""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
import redis
import redis.asyncio as aioredis
from redis.backoff import NoBackoff
from redis.retry import Retry

from lobbyd.db import migrate

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(what: str, why: object) -> None:
    """Skip outside CI; fail under CI=true, where every backend must run."""
    message = f"{what} is not reachable here ({why}); under CI=true this fails"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


async def _pg_admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable("PostgreSQL at 127.0.0.1:5432", exc)
        raise


@asynccontextmanager
async def postgres_database(prefix: str = "lobbyd_test") -> AsyncIterator[str]:
    """A new, migrated PostgreSQL database; dropped afterwards."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    admin = await _pg_admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        yield url
    finally:
        admin = await _pg_admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def sqlite_database(directory: Path) -> AsyncIterator[str]:
    """A new, migrated SQLite file."""
    url = f"sqlite:///{directory / 'lobbyd.sqlite3'}"
    await asyncio.to_thread(migrate.upgrade, url)
    yield url


@asynccontextmanager
async def database(backend: str, directory: Path) -> AsyncIterator[str]:
    """A fresh migrated database of the given backend."""
    if backend == "postgresql":
        async with postgres_database() as url:
            yield url
    else:
        async with sqlite_database(directory) as url:
            yield url


@functools.cache
def redis_error(url: str) -> str | None:
    """Why the shared Redis does not answer (asked once per run), or None."""
    client = redis.Redis.from_url(
        url, socket_connect_timeout=1, socket_timeout=1, retry=Retry(NoBackoff(), 0)
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        return str(error)
    finally:
        client.close()
    return None


def shared_redis() -> str:
    """The shared Redis URL once it has answered (skip without it; under CI=true, fail)."""
    error = redis_error(REDIS_URL)
    if error is not None:
        unavailable("Redis at 127.0.0.1:6379", error)
    return REDIS_URL


def redis_prefix() -> str:
    """A fresh key prefix, so a test touches only its own keys."""
    return f"lobbyd-test-{secrets.token_hex(6)}:"


async def delete_keys(url: str, prefix: str) -> None:
    """Delete the keys under `prefix` (never anyone else's)."""
    client = aioredis.Redis.from_url(url, decode_responses=True)
    keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=500)]
    if keys:
        await client.unlink(*keys)
    await client.aclose()
