"""The database going away: 503 `unavailable`, nothing half-done, and recovery by itself."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from lobbyd.app import create_app
from lobbyd.config import Settings
from lobbyd.db import migrate
from tests.backends import unavailable
from tests.conftest import JWT_SECRET, client_for
from tests.processes import PG_BIN, PrivatePostgres

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server this module starts and stops itself."""
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        unavailable("initdb/pg_ctl", "PostgreSQL server binaries not found")
    server = PrivatePostgres()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
async def client(postgres: PrivatePostgres) -> AsyncIterator[httpx.AsyncClient]:
    """An app over the private server."""
    await asyncio.to_thread(migrate.upgrade, postgres.url)
    settings = Settings(database_url=postgres.url, jwt_secret=JWT_SECRET, register_rate=0)
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app) as http:
        yield http


async def _until(client: httpx.AsyncClient, status: int, seconds: float = 20.0) -> httpx.Response:
    response = await client.post("/hosts")
    deadline = asyncio.get_running_loop().time() + seconds
    while response.status_code != status and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.2)
        response = await client.post("/hosts")
    return response


async def test_database_down_is_503_unavailable_and_service_recovers_by_itself(
    client: httpx.AsyncClient, postgres: PrivatePostgres
) -> None:
    host = (await client.post("/hosts")).json()
    assert host["uuid"]
    postgres.stop()
    try:
        down = await client.post("/hosts")
        assert down.status_code == 503
        assert down.json()["code"] == "unavailable"
        assert "Traceback" not in down.text
        login = await client.get(
            f"/hosts/{host['uuid']}/access_token", auth=(host["uuid"], host["secret"])
        )
        assert login.status_code == 503
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["database"] == "unavailable"
        assert (await client.get("/healthz")).status_code == 200
    finally:
        postgres.start()
    assert (await _until(client, 200)).status_code == 200
    login = await client.get(
        f"/hosts/{host['uuid']}/access_token", auth=(host["uuid"], host["secret"])
    )
    assert login.status_code == 200


async def test_launch_while_the_database_is_down_leaves_nothing_behind(
    client: httpx.AsyncClient, postgres: PrivatePostgres
) -> None:
    host = (await client.post("/hosts")).json()
    token = (
        await client.get(f"/hosts/{host['uuid']}/access_token", auth=(host["uuid"], host["secret"]))
    ).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    postgres.stop()
    try:
        response = await client.post("/sessions", json={"host": host["uuid"]}, headers=auth)
        assert response.status_code == 503
        assert response.json()["code"] == "unavailable"
    finally:
        postgres.start()
    await _until(client, 200)
    response = await client.post("/sessions", json={"host": host["uuid"]}, headers=auth)
    assert response.status_code == 201
