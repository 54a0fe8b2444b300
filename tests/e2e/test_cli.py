"""The `lobbyd` command as a user runs it: --version, --help, `token` and `migrate`, as real
processes in directories of their own."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest

from lobbyd import __version__
from lobbyd.db import migrate
from tests.e2e.test_serve import empty_postgres_database, run_lobbyd
from tests.processes import free_port, lobbyd_serve

pytestmark = pytest.mark.e2e

#: Typer's raw type hints (`<bool>`, `<int range>`, `<list[str]>`): help must name values instead.
RAW_HINT = re.compile(r"<[a-z][^>]*>")


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    shown = run_lobbyd({}, tmp_path, "--version")
    assert (shown.returncode, shown.stdout, shown.stderr) == (0, f"lobbyd {__version__}\n", "")


@pytest.mark.parametrize("command", [[], ["serve"], ["migrate"], ["token"]], ids=str)
def test_help_names_values_without_raw_type_hints(tmp_path: Path, command: list[str]) -> None:
    shown = run_lobbyd({}, tmp_path, *command, "--help")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"Usage: lobbyd {' '.join(command)}".rstrip())
    assert RAW_HINT.findall(shown.stdout) == []
    assert "╭" not in shown.stdout  # plain text, readable in any terminal and log


def test_help_shows_the_database_url_option_and_the_version_flag(tmp_path: Path) -> None:
    assert "--database-url URL" in run_lobbyd({}, tmp_path, "token", "--help").stdout
    assert "--database-url URL" in run_lobbyd({}, tmp_path, "migrate", "--help").stdout
    assert "--version" in run_lobbyd({}, tmp_path, "--help").stdout


def test_token_where_there_is_no_database_refuses_and_creates_nothing(tmp_path: Path) -> None:
    minted = run_lobbyd({}, tmp_path, "token", "--admin")
    assert minted.returncode == 1
    assert minted.stdout == ""
    assert "sqlite:///lobbyd.sqlite3" in minted.stderr
    assert str(tmp_path / "lobbyd.sqlite3") in minted.stderr
    assert "--database-url" in minted.stderr
    assert list(tmp_path.iterdir()) == []


def test_token_on_an_empty_sqlite_file_refuses(tmp_path: Path) -> None:
    (tmp_path / "empty.sqlite3").touch()
    minted = run_lobbyd(
        {}, tmp_path, "token", "--admin", "--database-url", "sqlite:///empty.sqlite3"
    )
    assert minted.returncode == 1
    assert minted.stdout == ""
    assert "sqlite:///empty.sqlite3 has no lobbyd schema" in minted.stderr


async def test_token_on_an_empty_postgres_database_refuses_without_its_password(
    tmp_path: Path,
) -> None:
    async with empty_postgres_database() as url:
        # The test server trusts every local connection: the password is only there to be hidden.
        with_password = url.replace("postgres@", "postgres:hunter2@")
        minted = run_lobbyd({"LOBBYD_DATABASE_URL": with_password}, tmp_path, "token", "--admin")
        assert await asyncio.to_thread(migrate.current, url) is None  # nothing was created
    assert minted.returncode == 1
    assert minted.stdout == ""
    assert "has no lobbyd schema" in minted.stderr
    assert url.replace("postgres@", "postgres:***@") in minted.stderr
    assert "hunter2" not in minted.stderr


def test_token_from_another_directory_with_database_url_is_accepted(tmp_path: Path) -> None:
    served_dir, elsewhere = tmp_path / "server", tmp_path / "elsewhere"
    served_dir.mkdir()
    elsewhere.mkdir()
    with lobbyd_serve({}, cwd=served_dir) as server:
        database_url = f"sqlite:///{served_dir / 'lobbyd.sqlite3'}"
        minted = run_lobbyd({}, elsewhere, "token", "--admin", "--database-url", database_url)
        assert minted.returncode == 0, minted.stderr
        assert minted.stderr == ""  # quiet: no migration or connection chatter
        token = minted.stdout.strip()
        assert minted.stdout == token + "\n"
        host = httpx.post(server.url + "/hosts").json()["uuid"]
        seen = httpx.get(f"{server.url}/hosts/{host}", headers={"Authorization": f"Bearer {token}"})
    assert seen.status_code == 200
    assert "banlist" in seen.json()  # the admin sees the whole host
    assert list(elsewhere.iterdir()) == []


def test_migrate_says_what_it_did_without_alembic_chatter(tmp_path: Path) -> None:
    url = "sqlite:///fresh.sqlite3"
    first = run_lobbyd({}, tmp_path, "migrate", "--database-url", url)
    again = run_lobbyd({}, tmp_path, "migrate", "--database-url", url)
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"database at {url}: revision {migrate.head()} (was empty)\n"
    assert again.stdout == f"database at {url}: revision {migrate.head()} (already up to date)\n"
    assert (first.stderr, again.stderr) == ("", "")
    assert migrate.current(f"sqlite:///{tmp_path / 'fresh.sqlite3'}") == migrate.head()


def test_serve_with_several_workers_and_no_redis_refuses_naming_lobbyd_redis_url(
    tmp_path: Path,
) -> None:
    refused = run_lobbyd({}, tmp_path, "serve", "--port", str(free_port()), "--workers", "2")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "LOBBYD_REDIS_URL" in refused.stderr
    assert list(tmp_path.iterdir()) == []  # refused before touching the database
