"""SQLite through aiosqlite: one writer connection (writes are serialized), several readers."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import aiosqlite

from lobbyd.db.base import Dialect, IntegrityError, Row
from lobbyd.errors import Unavailable

_PLACEHOLDER = re.compile(r"\$(\d+)")
READERS = 4


@lru_cache(maxsize=1024)
def _translate(sql: str) -> str:
    return _PLACEHOLDER.sub(r"?\1", sql)


def sqlite_path(url: str) -> str:
    """The file path of a sqlite:///PATH URL (sqlite:////abs for an absolute path)."""
    path = url.removeprefix("sqlite://").removeprefix("/")
    path = path.split("?", 1)[0]
    if not path or path == ":memory:":
        raise ValueError("lobbyd needs a SQLite file, not an in-memory database")
    return path


class SqliteConnection:
    """A connection inside a transaction."""

    dialect: Dialect = "sqlite"

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self._raw = raw

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        """All rows of a query."""
        try:
            rows = await self._raw.execute_fetchall(_translate(sql), args)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        return cast(Sequence[Row], rows)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        """The first row of a query, or None."""
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """The first column of the first row, or None."""
        rows = await self.fetch(sql, *args)
        return rows[0][0] if rows else None  # type: ignore[index]

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; the number of rows it changed."""
        try:
            cursor = await self._raw.execute(_translate(sql), args)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        count = cursor.rowcount
        await cursor.close()
        return count

    async def executemany(self, sql: str, args: Iterable[Sequence[Any]]) -> None:
        """Run a statement once per argument tuple."""
        try:
            await self._raw.executemany(_translate(sql), args)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc


class SqliteDatabase:
    """A SQLite file in WAL mode; safe for several processes (busy timeout, BEGIN IMMEDIATE)."""

    dialect: Dialect = "sqlite"

    def __init__(self, url: str) -> None:
        self.path = sqlite_path(url)
        self._writer: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all: list[aiosqlite.Connection] = []
        # A local file is never unreachable; busy is no outage.
        self.on_unreachable: list[Callable[[], None]] = []

    async def _open(self) -> aiosqlite.Connection:
        raw = await aiosqlite.connect(self.path, isolation_level=None)
        raw.row_factory = sqlite3.Row
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=10000",
        ):
            await raw.execute(pragma)
        self._all.append(raw)
        return raw

    async def connect(self) -> None:
        """Open the writer and the readers."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._writer = await self._open()
            for _ in range(READERS):
                self._readers.put_nowait(await self._open())
        except sqlite3.Error as exc:
            raise Unavailable(f"cannot open the SQLite database: {exc}") from exc

    async def close(self) -> None:
        """Close every connection."""
        for raw in self._all:
            await raw.close()
        self._all.clear()
        self._writer = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConnection]:
        """BEGIN IMMEDIATE ... COMMIT on the writer connection."""
        assert self._writer is not None, "database not connected"
        async with self._write_lock:
            await _settle(self._writer)
            await self._run(self._writer, "BEGIN IMMEDIATE")
            try:
                yield SqliteConnection(self._writer)
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            await self._run(self._writer, "COMMIT")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteConnection]:
        """A deferred transaction on a reader connection: one consistent snapshot."""
        raw = await self._readers.get()
        try:
            await _settle(raw)
            await self._run(raw, "BEGIN")
            try:
                yield SqliteConnection(raw)
            finally:
                await raw.execute("COMMIT")
        finally:
            self._readers.put_nowait(raw)

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[SqliteConnection]:
        """The writer connection outside a transaction: each statement commits by itself."""
        assert self._writer is not None, "database not connected"
        async with self._write_lock:
            await _settle(self._writer)
            yield SqliteConnection(self._writer)

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        """All rows of one statement (read-only: runs on a reader connection)."""
        raw = await self._readers.get()
        try:
            return await SqliteConnection(raw).fetch(sql, *args)
        finally:
            self._readers.put_nowait(raw)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        """The first row of one statement (read-only: runs on a reader connection)."""
        raw = await self._readers.get()
        try:
            return await SqliteConnection(raw).fetchrow(sql, *args)
        finally:
            self._readers.put_nowait(raw)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """The first value of one statement (read-only: runs on a reader connection)."""
        row = await self.fetchrow(sql, *args)
        return row[0] if row is not None else None  # type: ignore[index]

    @staticmethod
    async def _run(raw: aiosqlite.Connection, sql: str) -> None:
        try:
            await raw.execute(sql)
        except sqlite3.OperationalError as exc:
            raise Unavailable(f"the database is busy: {exc}") from exc


async def _settle(raw: aiosqlite.Connection) -> None:
    """Roll back a transaction a cancelled request left open: a task cancelled while its
    BEGIN or COMMIT ran in aiosqlite's thread cannot finish the transaction itself."""
    if raw.in_transaction:
        await raw.rollback()
