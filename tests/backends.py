"""Real databases and Redis for tests: created fresh, dropped after, never anyone else's."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

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
