"""Schema migrations with Alembic, shipped inside the package so an installed lobbyd migrates."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection as SaConnection
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def sqlalchemy_url(url: str) -> str:
    """The SQLAlchemy async URL for a lobbyd database URL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    raise ValueError("unsupported database URL")


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["lobbyd_url"] = sqlalchemy_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema up to `revision` (blocking; run it outside the event loop)."""
    command.upgrade(alembic_config(url), revision)


def head() -> str | None:
    """The newest revision this lobbyd ships."""
    return ScriptDirectory.from_config(alembic_config("sqlite:///unused")).get_current_head()


def current(url: str) -> str | None:
    """The database's revision, or None when it has never been migrated."""

    def _read(connection: SaConnection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async def _run() -> str | None:
        engine = create_async_engine(sqlalchemy_url(url))
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(_read)
        finally:
            await engine.dispose()

    return asyncio.run(_run())
