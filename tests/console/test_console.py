"""The admin console in headless Chromium against a real `lobbyd serve`: paste a token, see a
session, open it, end it, see it gone. Screenshots are kept as test artifacts.

Playwright (npm `playwright-core`) drives the system's Chromium (Debian's `chromium` package);
no browser is ever downloaded. Under CI=true this runs; elsewhere it skips, saying what is
missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.backends import IN_CI
from tests.conftest import JWT_SECRET
from tests.processes import Server, lobbyd_serve

pytestmark = pytest.mark.e2e

HERE = Path(__file__).parent
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
#: Where the screenshots go (kept after the run; not in git).
ARTIFACTS = (
    Path(os.environ.get("LOBBYD_TEST_ARTIFACTS", HERE.parent.parent / "test-artifacts")) / "console"
)


def _needs(what: str, why: str) -> None:
    message = f"the console test needs {what}: {why}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _playwright() -> None:
    """node, Chromium, and playwright-core installed beside this file (npm ci once)."""
    if shutil.which("node") is None:
        _needs("node", "not installed")
    if not CHROMIUM.is_file():
        _needs(str(CHROMIUM), "install Debian's chromium package (apt-get install chromium)")
    if not (HERE / "node_modules" / "playwright-core").is_dir():
        if shutil.which("npm") is None:
            _needs("npm", "not installed")
        installed = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"},
        )
        if installed.returncode != 0:
            _needs("playwright-core from npm", installed.stderr[-2000:])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str]]]:
    _playwright()
    workdir = tmp_path_factory.mktemp("console")
    tmp = workdir / "tmp"  # where serve makes its metrics directory
    tmp.mkdir()
    env = {"LOBBYD_JWT_SECRET": JWT_SECRET, "LOBBYD_REGISTER_RATE": "0", "TMPDIR": str(tmp)}
    with lobbyd_serve(env, cwd=workdir) as running:
        assert len(list(tmp.glob("lobbyd-metrics-*"))) == 1
        yield running, env
        print(f"--- lobbyd serve output ---\n{running.output()}")
    # One worker, stopped by SIGTERM: its metrics directory goes with it.
    assert not list(tmp.glob("lobbyd-metrics-*"))


def admin_token(env: dict[str, str]) -> str:
    """`lobbyd token --admin`, as an operator mints one."""
    minted = subprocess.run(
        [sys.executable, "-m", "lobbyd", "token", "--admin"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return minted.stdout.strip()


def registered(http: httpx.Client) -> tuple[str, dict[str, str]]:
    body = http.post("/hosts").json()
    login = http.get(f"/hosts/{body['uuid']}/access_token", auth=(body["uuid"], body["secret"]))
    return body["uuid"], {"Authorization": f"Bearer {login.json()['token']}"}


def test_operator_ends_a_session_from_the_console(server: tuple[Server, dict[str, str]]) -> None:
    running, env = server
    token = admin_token(env)
    with httpx.Client(base_url=running.url, timeout=30) as http:
        host, host_auth = registered(http)
        guest, guest_auth = registered(http)
        banned = "troublemaker"
        http.post(f"/hosts/{host}/banlist", params={"banned": banned}, headers=host_auth)
        http.put(f"/hosts/{host}/only_friends", json={"only_friends": False}, headers=host_auth)
        launched = http.post(
            "/sessions", json={"host": host, "keywords": ["ranked"]}, headers=host_auth
        )
        session_id = launched.json()["session_id"]
        joined = http.post(
            "/sessions/players", json={"host": host, "guest": guest}, headers=guest_auth
        )
        assert joined.status_code == 200, joined.text
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        driven = subprocess.run(
            ["node", str(HERE / "drive.mjs")],
            cwd=HERE,
            env={
                **os.environ,
                "LOBBYD_URL": running.url,
                "ADMIN_TOKEN": token,
                "SESSION_ID": str(session_id),
                "HOST": host,
                "GUEST": guest,
                "BANNED": banned,
                "OUT_DIR": str(ARTIFACTS),
                "CHROMIUM": str(CHROMIUM),
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        print(driven.stdout, driven.stderr)
        assert driven.returncode == 0, driven.stdout + driven.stderr
        report = json.loads(driven.stdout)
        assert report["problems"] == []
        ended = http.get(f"/sessions/{session_id}", headers={"Authorization": f"Bearer {token}"})
        assert ended.status_code == 404, ended.text
    assert sorted(path.name for path in ARTIFACTS.glob("*.png")) == [
        "1-signed-out.png",
        "2-overview.png",
        "3-sessions.png",
        "4-session-detail.png",
        "5-confirm.png",
        "6-ended.png",
        "7-host.png",
        "8-docs.png",
    ]
