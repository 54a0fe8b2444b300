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
from lobbyd.kit.clock import ManualClock
from tests.backends import unavailable
from tests.conftest import JWT_SECRET, client_for
from tests.helpers import error, register
from tests.processes import PG_BIN, PrivatePostgres

pytestmark = pytest.mark.slow

TIMEOUT = 60.0


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


async def _heartbeat_until(
    client: httpx.AsyncClient, sid: int, auth: dict[str, str], status: int, seconds: float = 30.0
) -> httpx.Response:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        response = await client.post(f"/sessions/{sid}/heartbeat", headers=auth)
        if response.status_code == status or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.2)


async def test_an_outage_longer_than_the_timeout_ends_no_session_that_kept_heartbeating(
    postgres: PrivatePostgres,
) -> None:
    await asyncio.to_thread(migrate.upgrade, postgres.url)
    clock = ManualClock()
    settings = Settings(
        database_url=postgres.url, jwt_secret=JWT_SECRET, register_rate=0, login_rate=0
    )
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app), client_for(app) as client:
        host = await register(client)
        sid = (await client.post("/sessions", json={"host": host.uuid}, headers=host.auth)).json()[
            "session_id"
        ]
        silent = await register(client)  # launched, then never heard of again
        dead = (
            await client.post("/sessions", json={"host": silent.uuid}, headers=silent.auth)
        ).json()["session_id"]
        clock.advance(TIMEOUT - 5)
        assert (await client.post(f"/sessions/{sid}/heartbeat", headers=host.auth)).is_success
        postgres.stop()
        try:
            for _ in range(6):  # three timeouts of outage; the host keeps trying every 30 s
                clock.advance(TIMEOUT / 2)
                answer = await client.post(f"/sessions/{sid}/heartbeat", headers=host.auth)
                assert answer.status_code == 503
        finally:
            postgres.start()
        back = await _heartbeat_until(client, sid, host.auth, 200)
        assert back.status_code == 200, back.text
        assert (await client.get(f"/sessions/{sid}", headers=host.auth)).status_code == 200
        # Timeouts count again one timeout after the outage: the host that kept heartbeating
        # keeps its session; the one silent since before the outage loses it then.
        for _ in range(3):
            clock.advance(TIMEOUT - 1)
            answer = await client.post(f"/sessions/{sid}/heartbeat", headers=host.auth)
            assert answer.status_code == 200, answer.text
        gone = await client.get(f"/sessions/{dead}", headers=silent.auth)
        assert error(gone, 404, "session_ended")["reason"] == "host_timeout"
        clock.advance(TIMEOUT + 1)
        ended = await client.get(f"/sessions/{sid}", headers=host.auth)
        assert error(ended, 404, "session_ended")["reason"] == "host_timeout"
