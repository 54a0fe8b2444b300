"""Apps over every backend: each storage test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from lobbyd.app import create_app
from lobbyd.config import Settings
from lobbyd.db import open_database
from lobbyd.db.tables import metadata
from lobbyd.kit.clock import ManualClock
from tests.backends import database

# Tests configure lobbyd explicitly; a developer's own LOBBYD_* variables must not leak in.
for _name in [name for name in os.environ if name.startswith("LOBBYD_")]:
    del os.environ[_name]

BACKENDS = ["sqlite", "postgresql"]
JWT_SECRET = "test-signing-key-" + "x" * 32


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend under test."""
    return str(request.param)


@pytest.fixture(scope="session")
async def database_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """One migrated database per backend for the whole run; emptied before each test."""
    async with database(backend, tmp_path_factory.mktemp(backend)) as url:
        yield url


async def empty_tables(url: str) -> None:
    """Delete every row but the service's keys and schema revision."""
    db = open_database(url)
    await db.connect()
    try:
        async with db.transaction() as conn:
            for table in reversed(metadata.sorted_tables):
                if table.name != "meta":
                    await conn.execute(f"DELETE FROM {table.name}")
    finally:
        await db.close()


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when a test says so."""
    return ManualClock()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Per-test settings; override this fixture (or use make_app) to change them."""
    return {}


@pytest.fixture
async def make_app(database_url: str, clock: ManualClock) -> AsyncIterator[Callable[..., Any]]:
    """Start apps with given settings over the test database; all are stopped afterwards."""
    await empty_tables(database_url)
    stack: list[Any] = []

    async def start(**overrides: Any) -> FastAPI:
        values: dict[str, Any] = {
            "database_url": database_url,
            "jwt_secret": JWT_SECRET,
            "register_rate": 0,
            "login_rate": 0,
        }
        values.update(overrides)
        app = create_app(Settings(**values), clock=clock)
        context = app.router.lifespan_context(app)
        await context.__aenter__()
        stack.append(context)
        return app

    yield start
    for context in reversed(stack):
        await context.__aexit__(None, None, None)


@pytest.fixture
async def app(make_app: Callable[..., Any], settings_overrides: dict[str, Any]) -> FastAPI:
    """An app over the test database."""
    started: FastAPI = await make_app(**settings_overrides)
    return started


def client_for(app: FastAPI, address: str = "127.0.0.1") -> httpx.AsyncClient:
    """An HTTP client talking to the app in process, from the given client address."""
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://lobbyd.test")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app."""
    async with client_for(app) as http:
        yield http


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch directory for the whole run."""
    return tmp_path_factory.mktemp("run")
