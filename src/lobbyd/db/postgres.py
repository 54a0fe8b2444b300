"""PostgreSQL through asyncpg."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from lobbyd.db.base import Dialect, IntegrityError, Row
from lobbyd.errors import Unavailable

#: Failures that mean "the server cannot be reached now", as opposed to a bad statement.
UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
)


#: Failures of one transaction that a retry can succeed past (nothing was committed).
TRANSIENT = (asyncpg.exceptions.DeadlockDetectedError, asyncpg.exceptions.SerializationError)


async def _keep_session(raw: asyncpg.Connection) -> None:
    """Skip asyncpg's reset query on release (a round trip per request): lobbyd never changes
    session state (no SET, LISTEN, temporary tables or session-level advisory locks), and the
    pool still rolls back any transaction left open."""


class PostgresConnection:
    """A pooled connection inside a transaction."""

    dialect: Dialect = "postgresql"

    def __init__(self, raw: asyncpg.Connection) -> None:
        self._raw = raw

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        """All rows of a query."""
        try:
            rows: Sequence[Row] = await self._raw.fetch(sql, *args)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        return rows

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        """The first row of a query, or None."""
        try:
            row: Row | None = await self._raw.fetchrow(sql, *args)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """The first column of the first row, or None."""
        try:
            return await self._raw.fetchval(sql, *args)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; the number of rows it changed."""
        try:
            status: str = await self._raw.execute(sql, *args)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    async def executemany(self, sql: str, args: Iterable[Sequence[Any]]) -> None:
        """Run a statement once per argument tuple."""
        try:
            await self._raw.executemany(sql, args)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc


class PostgresDatabase:
    """An asyncpg pool; connections are made on demand, so the service starts and recovers
    while the server is away (requests meanwhile get 503)."""

    dialect: Dialect = "postgresql"

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = url
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self.on_unreachable: list[Callable[[], None]] = []

    def _unreachable(self, message: str) -> Unavailable:
        for hook in self.on_unreachable:
            hook()
        return Unavailable(message)

    async def connect(self) -> None:
        """Create the pool and check the server answers."""
        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=0,
                max_size=self.pool_size,
                max_inactive_connection_lifetime=60.0,
                command_timeout=30.0,
                timeout=5.0,
                reset=_keep_session,
            )
            async with self._pool.acquire() as raw:
                await raw.execute("SELECT 1")
        except UNREACHABLE as exc:
            raise self._unreachable(f"cannot reach PostgreSQL: {type(exc).__name__}") from exc

    async def close(self) -> None:
        """Close the pool."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresConnection]:
        """A READ COMMITTED transaction; constraints and conditional writes keep invariants."""
        async with self._session(readonly=False) as conn:
            yield conn

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[PostgresConnection]:
        """A REPEATABLE READ read-only transaction: one consistent snapshot."""
        async with self._session(readonly=True) as conn:
            yield conn

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[PostgresConnection]:
        """A pooled connection outside any transaction: each statement commits by itself."""
        async with self._single() as raw:
            yield PostgresConnection(raw)

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        """All rows of one statement, in autocommit."""
        async with self._single() as raw:
            rows: list[Row] = await raw.fetch(sql, *args)
        return rows

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        """The first row of one statement, in autocommit."""
        async with self._single() as raw:
            row: Row | None = await raw.fetchrow(sql, *args)
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """The first value of one statement, in autocommit."""
        async with self._single() as raw:
            return await raw.fetchval(sql, *args)

    @asynccontextmanager
    async def _single(self) -> AsyncIterator[asyncpg.Connection]:
        assert self._pool is not None, "database not connected"
        try:
            async with self._pool.acquire() as raw:
                yield raw
        except UNREACHABLE as exc:
            raise self._unreachable("the database is unavailable; retry shortly") from exc
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc

    @asynccontextmanager
    async def _session(self, *, readonly: bool) -> AsyncIterator[PostgresConnection]:
        assert self._pool is not None, "database not connected"
        try:
            async with self._pool.acquire() as raw:
                isolation = "repeatable_read" if readonly else "read_committed"
                async with raw.transaction(isolation=isolation, readonly=readonly):
                    yield PostgresConnection(raw)
        except UNREACHABLE as exc:
            raise self._unreachable("the database is unavailable; retry shortly") from exc
        except TRANSIENT as exc:
            # Lock order keeps these rare; when one happens nothing was written, so the
            # client may safely retry.
            raise Unavailable("a concurrent change got in the way; retry") from exc
