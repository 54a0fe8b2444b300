"""`lobbyd serve`, `lobbyd token --admin` and `lobbyd migrate` as real processes, over real HTTP.

Each server starts on an empty database (the default SQLite file in its working directory, or a
fresh unmigrated PostgreSQL database) and must create the schema itself.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiosqlite
import asyncpg
import httpx
import pytest
from alembic.script import ScriptDirectory

from lobbyd.db import migrate
from tests.backends import PG_ADMIN_URL, delete_keys, redis_prefix, shared_redis, unavailable
from tests.processes import Server, free_port, lobbyd_serve

pytestmark = pytest.mark.e2e

DEFAULT_SQLITE_FILE = "lobbyd.sqlite3"
CLI_TIMEOUT = 120


@dataclass
class Served:
    """A running server and what it was started with."""

    server: Server
    env: dict[str, str]
    workdir: Path
    database_url: str

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `lobbyd ARGS` beside the server: same environment, same working directory."""
        return run_lobbyd(self.env, self.workdir, *args)


def run_lobbyd(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the lobbyd command to completion."""
    return subprocess.run(
        [sys.executable, "-m", "lobbyd", *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


async def _pg_admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable("PostgreSQL at 127.0.0.1:5432", exc)
        raise


@asynccontextmanager
async def empty_postgres_database() -> AsyncIterator[str]:
    """A new PostgreSQL database with no schema at all; dropped afterwards."""
    name = f"lobbyd_test_e2e_{os.getpid()}_{secrets.token_hex(4)}"
    admin = await _pg_admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        admin = await _pg_admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def empty_database(backend: str, workdir: Path) -> AsyncIterator[tuple[dict[str, str], str]]:
    """The environment that points lobbyd at an empty database, and that database's URL."""
    if backend == "postgresql":
        async with empty_postgres_database() as url:
            yield {"LOBBYD_DATABASE_URL": url}, url
    else:
        # No LOBBYD_DATABASE_URL: the default, a SQLite file in the working directory.
        yield {}, f"sqlite:///{workdir / DEFAULT_SQLITE_FILE}"


@pytest.fixture(
    scope="module",
    params=[("sqlite", 1), ("postgresql", 1), ("sqlite", 2), ("postgresql", 2)],
    ids=lambda param: f"{param[0]}-{param[1]}-workers",
)
async def running(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Served]:
    """`lobbyd serve [--workers N]` over an empty database, stopped after the module."""
    backend, workers = request.param
    workdir = tmp_path_factory.mktemp(f"serve-{backend}-{workers}")
    async with empty_database(backend, workdir) as (env, url):
        redis_url = prefix = None
        if workers > 1:  # several workers share documents only through Redis
            redis_url, prefix = shared_redis(), redis_prefix()
            env = {**env, "LOBBYD_REDIS_URL": redis_url, "LOBBYD_REDIS_PREFIX": prefix}
        try:
            with lobbyd_serve(env, "--workers", str(workers), cwd=workdir) as server:
                yield Served(server, env, workdir, url)
        finally:
            if redis_url is not None and prefix is not None:
                await delete_keys(redis_url, prefix)


@pytest.fixture
def served(running: Served) -> Iterator[Served]:
    """The running server; what it printed is shown with any failure of the test."""
    yield running
    print(f"--- lobbyd serve output ---\n{running.server.output()}")


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    """A client of the running server."""
    with httpx.Client(base_url=served.server.url, timeout=30) as client:
        yield client


def register(http: httpx.Client) -> tuple[str, str, dict[str, str]]:
    """Register and log in with HTTP Basic: uuid, secret and the Authorization header."""
    registered = http.post("/hosts")
    assert registered.status_code == 200, registered.text
    uuid, secret = registered.json()["uuid"], registered.json()["secret"]
    login = http.get(f"/hosts/{uuid}/access_token", auth=(uuid, secret))
    assert login.status_code == 200, login.text
    return uuid, secret, {"Authorization": f"Bearer {login.json()['token']}"}


def test_serve_creates_the_schema_of_an_empty_database(served: Served) -> None:
    if served.env.get("LOBBYD_DATABASE_URL") is None:
        assert (served.workdir / DEFAULT_SQLITE_FILE).is_file()
    assert migrate.current(served.database_url) == migrate.head()


def test_registration_then_basic_login_gives_a_working_token(http: httpx.Client) -> None:
    uuid, _, auth = register(http)
    response = http.get(f"/hosts/{uuid}", headers=auth)
    assert response.status_code == 200
    assert response.json() == {
        "uuid": uuid,
        "only_friends": True,
        "allow_nonames": False,
        "friends": [],
        "banlist": [],
    }


def test_a_wrong_secret_is_refused(http: httpx.Client) -> None:
    uuid, _, _ = register(http)
    response = http.get(f"/hosts/{uuid}/access_token", auth=(uuid, "wrong"))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="lobbyd"'


def test_befriend_and_ban(http: httpx.Client) -> None:
    uuid, _, auth = register(http)
    friend, _, _ = register(http)
    befriended = http.post(f"/hosts/{uuid}/friends", params={"friend": friend}, headers=auth)
    assert befriended.status_code == 200
    assert befriended.json()["friends"] == [friend]
    banned = http.post(f"/hosts/{uuid}/banlist", params={"banned": friend}, headers=auth)
    assert banned.status_code == 200
    assert banned.json()["friends"] == []
    assert http.get(f"/hosts/{uuid}", headers=auth).json()["banlist"] == [friend]


def test_renew_gives_a_working_token(http: httpx.Client) -> None:
    uuid, _, auth = register(http)
    renewed = http.get("/hosts/access_token/renew", headers=auth)
    assert renewed.status_code == 200
    token = renewed.json()["token"]
    response = http.get(f"/hosts/{uuid}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_every_worker_accepts_the_same_tokens(served: Served) -> None:
    with httpx.Client(base_url=served.server.url, timeout=30) as client:
        uuid, _, auth = register(client)
    # A fresh connection per request, so that with several workers each of them answers some.
    statuses = []
    for _ in range(20):
        with httpx.Client(base_url=served.server.url, timeout=30) as client:
            statuses.append(client.get(f"/hosts/{uuid}", headers=auth).status_code)
    assert statuses == [200] * 20


def test_admin_token_from_the_cli_is_accepted(served: Served, http: httpx.Client) -> None:
    uuid, _, _ = register(http)
    minted = served.cli("token", "--admin")
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip().splitlines()[-1]
    response = http.get(f"/hosts/{uuid}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert set(response.json()) == {"uuid", "only_friends", "allow_nonames", "friends", "banlist"}


def test_token_without_admin_is_refused_by_the_cli(served: Served) -> None:
    minted = served.cli("token")
    assert minted.returncode != 0
    assert "--admin" in minted.stderr


def test_migrate_exits_0_on_an_up_to_date_database(served: Served) -> None:
    migrated = served.cli("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert migrate.current(served.database_url) == migrate.head()


def previous_revision() -> str | None:
    """The revision before this lobbyd's newest, if it ships more than one."""
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite:///unused"))
    newest = script.get_revision(migrate.head() or "base")
    down = newest.down_revision if newest is not None else None
    return down if isinstance(down, str) else None


async def set_revision(url: str, revision: str) -> None:
    """Overwrite the schema revision a database claims to be at."""
    if url.startswith("postgresql://"):
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("UPDATE alembic_version SET version_num = $1", revision)
        finally:
            await conn.close()
    else:
        async with aiosqlite.connect(url.removeprefix("sqlite:///")) as sqlite:
            await sqlite.execute("UPDATE alembic_version SET version_num = ?", (revision,))
            await sqlite.commit()


@dataclass
class Behind:
    """A throwaway database whose schema is older than this lobbyd's."""

    env: dict[str, str]
    workdir: Path
    url: str
    revision: str


@asynccontextmanager
async def database_behind(backend: str, kind: str, workdir: Path) -> AsyncIterator[Behind]:
    """A database at the previous revision (a real upgrade is pending), or at a revision this
    lobbyd does not know (migrated by some other build)."""
    async with empty_database(backend, workdir) as (_, url):
        if kind == "previous":
            revision = previous_revision()
            if revision is None:
                pytest.skip("this lobbyd ships a single schema revision")
            await asyncio.to_thread(migrate.upgrade, url, revision)
        else:
            revision = "0000_older"
            await asyncio.to_thread(migrate.upgrade, url)
            await set_revision(url, revision)
        yield Behind({"LOBBYD_DATABASE_URL": url}, workdir, url, revision)


@pytest.fixture(
    params=[
        ("sqlite", "previous"),
        ("postgresql", "previous"),
        ("sqlite", "unknown"),
        ("postgresql", "unknown"),
    ],
    ids="-".join,
)
async def behind(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Behind]:
    """A database whose schema is behind this lobbyd's, either way."""
    backend, kind = request.param
    async with database_behind(backend, kind, tmp_path) as database:
        yield database


@pytest.fixture(params=["sqlite", "postgresql"])
async def previous(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Behind]:
    """A database one real migration behind."""
    async with database_behind(str(request.param), "previous", tmp_path) as database:
        yield database


def test_serve_refuses_a_database_whose_schema_is_behind(behind: Behind) -> None:
    result = run_lobbyd(behind.env, behind.workdir, "serve", "--port", str(free_port()))
    assert result.returncode != 0, result.stdout + result.stderr
    assert "lobbyd migrate" in result.stderr, result.stderr
    assert migrate.current(behind.url) == behind.revision  # serve changed nothing


def test_migrate_brings_a_database_that_is_behind_up_to_date(previous: Behind) -> None:
    migrated = run_lobbyd(previous.env, previous.workdir, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert migrate.current(previous.url) == migrate.head()


@pytest.mark.parametrize("name", ["LOBBYD_JWT_SECRET", "LOBBYD_CURSOR_SECRET"])
def test_serve_refuses_a_signing_key_under_32_bytes_without_printing_it(
    tmp_path: Path, name: str
) -> None:
    weak = "weak-key-" + secrets.token_hex(4)  # 17 bytes
    env = {**os.environ, name: weak}
    command = [sys.executable, "-m", "lobbyd", "serve", "--port", str(free_port())]
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{name} must be at least 32 bytes" in result.stderr
    assert weak not in result.stdout + result.stderr
    assert not (tmp_path / DEFAULT_SQLITE_FILE).exists()  # refused before touching anything
