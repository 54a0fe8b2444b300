"""Small service-wide values kept in the database (signing keys), shared by every replica."""

from __future__ import annotations

from collections.abc import Callable

from lobbyd.db.base import Database


async def get_or_create(db: Database, key: str, make: Callable[[], str]) -> str:
    """The stored value for `key`; the first caller anywhere stores `make()`."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            key,
            make(),
        )
        value = await conn.fetchval("SELECT value FROM meta WHERE key = $1", key)
    return str(value)


async def schema_revision(db: Database) -> str | None:
    """The Alembic revision of the database, or None if it was never migrated."""
    try:
        async with db.reading() as conn:
            value = await conn.fetchval("SELECT version_num FROM alembic_version")
    except Exception:  # no alembic_version table: an empty database
        return None
    return str(value) if value is not None else None
