"""Data access: the Database interface, its two backends, the schema and its migrations."""

from __future__ import annotations

from lobbyd.db.base import Connection, Database, IntegrityError, Reader, Row


def open_database(url: str, pool_size: int = 10) -> Database:
    """The Database for a URL: postgresql://... or sqlite:///PATH."""
    if url.startswith(("postgresql://", "postgres://")):
        from lobbyd.db.postgres import PostgresDatabase

        return PostgresDatabase(url, pool_size)
    if url.startswith("sqlite://"):
        from lobbyd.db.sqlite import SqliteDatabase

        return SqliteDatabase(url)
    raise ValueError(f"unsupported database URL scheme: {url.split(':', 1)[0]}")


__all__ = ["Connection", "Database", "IntegrityError", "Reader", "Row", "open_database"]
