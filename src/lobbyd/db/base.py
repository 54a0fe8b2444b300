"""The Database interface the repositories use: SQL written once, run on PostgreSQL or SQLite.

SQL uses PostgreSQL's numbered placeholders ($1, $2, ...); the SQLite backend rewrites them to
SQLite's equivalent (?1, ?2, ...), so one statement text serves both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, Protocol

Row = Mapping[str, Any]
Dialect = Literal["postgresql", "sqlite"]


class IntegrityError(Exception):
    """A constraint refused a write (unique, foreign key, check)."""


class Connection(Protocol):
    """One connection inside one transaction."""

    dialect: Dialect

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        """All rows of a query."""
        ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        """The first row of a query, or None."""
        ...

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """The first column of the first row, or None."""
        ...

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, args: Iterable[Sequence[Any]]) -> None:
        """Run a statement once per argument tuple."""
        ...


class Reader(Protocol):
    """Anything that runs a query: a Connection, or a Database for a lone statement."""

    dialect: Dialect

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        """All rows of a query."""
        ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        """The first row of a query, or None."""
        ...

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """The first column of the first row, or None."""
        ...


class Database(Protocol):
    """A pool of connections to one database."""

    dialect: Dialect
    #: Called each time the server cannot be reached (not for a busy or conflicting write):
    #: liveness must not count time when no sign of life could be recorded.
    on_unreachable: list[Callable[[], None]]

    async def connect(self) -> None:
        """Open the pool; raises Unavailable when the server cannot be reached."""
        ...

    async def close(self) -> None:
        """Close every connection."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """A read-write transaction: committed on exit, rolled back on an exception."""
        ...

    def reading(self) -> AbstractAsyncContextManager[Connection]:
        """A read-only transaction (a consistent snapshot)."""
        ...

    def autocommit(self) -> AbstractAsyncContextManager[Connection]:
        """A connection where each statement commits by itself (one statement jobs: no
        BEGIN/COMMIT round trips)."""
        ...

    # One read-only statement on its own (atomic by itself): no BEGIN/COMMIT round trips. Hot
    # paths use these whenever a single statement does the whole job.

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        """All rows of one statement, run on its own."""
        ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        """The first row of one statement, run on its own."""
        ...

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """The first value of one statement, run on its own."""
        ...
