"""The WebRTC example end to end: two headless Chromium pages, each served next to its own
lobbyd replica (PostgreSQL + Redis), open a data channel with iceTransportPolicy "relay", so
every byte crosses the private coturn, with signaling through lobbyd, and exchange a message
both ways (examples/webrtc, driven by playwright-core on the system's Chromium).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.backends import delete_keys, postgres_database, redis_prefix, shared_redis, unavailable
from tests.connectivity.coturn import Coturn, coturn
from tests.processes import Server, free_port, lobbyd_serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "webrtc"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def browser_tools() -> str:
    """The node binary, with the example's npm package (playwright-core) installed by `npm ci`
    when absent; skipped outside CI (failed under CI) without node, npm or Chromium."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable("node and npm (Debian packages nodejs, npm)", "not installed")
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium at {CHROMIUM} (Debian package chromium)", "not installed")
    assert node is not None
    assert npm is not None
    if not (EXAMPLE / "node_modules" / "playwright-core").is_dir():
        env = {**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"}
        env["npm_config_update_notifier"] = "false"
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=EXAMPLE,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    return node


@pytest.fixture(scope="module")
def turn() -> Iterator[Coturn]:
    with coturn() as server:
        yield server


@pytest.fixture(scope="module")
async def replicas(
    turn: Coturn, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Server, Server]]:
    """Two replicas handing out TURN credentials for the private coturn."""
    url, prefix = shared_redis(), redis_prefix()
    workdir = tmp_path_factory.mktemp("webrtc")
    async with postgres_database() as database_url:
        env = {
            "LOBBYD_DATABASE_URL": database_url,
            "LOBBYD_REDIS_URL": url,
            "LOBBYD_REDIS_PREFIX": prefix,
            "LOBBYD_REGISTER_RATE": "0",
            "LOBBYD_LOGIN_RATE": "0",
            "LOBBYD_TURN_URLS": turn.url,
            "LOBBYD_TURN_SECRET": turn.secret,
        }
        try:
            with lobbyd_serve(env, cwd=workdir) as a, lobbyd_serve(env, cwd=workdir) as b:
                yield a, b
        finally:
            await delete_keys(url, prefix)


@contextlib.contextmanager
def example_server(node: str, lobbyd: Server) -> Iterator[str]:
    """examples/webrtc/serve.mjs in front of one replica; its base URL."""
    port = free_port()
    env = {**os.environ, "LOBBYD_URL": lobbyd.url}
    process = subprocess.Popen(
        [node, str(EXAMPLE / "serve.mjs"), str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, "serve.mjs exited"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, "serve.mjs did not answer"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)


def test_two_browsers_on_two_replicas_talk_through_coturn(
    replicas: tuple[Server, Server], turn: Coturn, tmp_path: Path
) -> None:
    node = browser_tools()
    a, b = replicas
    shots = Path(os.environ.get("WEBRTC_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with example_server(node, a) as host_page, example_server(node, b) as guest_page:
        done = subprocess.run(
            [node, str(EXAMPLE / "drive.mjs"), host_page, guest_page, str(shots)],
            capture_output=True,
            timeout=120,
            check=False,
            env={**os.environ, "CHROMIUM": CHROMIUM},
        )
    output = done.stdout.decode(errors="replace")
    log = done.stderr.decode(errors="replace")
    assert done.returncode == 0, f"{output}\n{log}\n--- coturn ---\n{turn.output()[-3000:]}"
    result = json.loads(output.strip().splitlines()[-1])
    print(json.dumps(result, indent=2), file=sys.stderr)
    for name, other in (("host", "guest"), ("guest", "host")):
        page = result[name]
        assert page["state"] == "open"
        assert page["route"] == "relay/relay", page  # relay-only: both ends are TURN relays
        assert page["ice"] == turn.url
        assert f"hello from the {other}" in page["received"]
    assert "move e7e5" in result["host"]["received"]
    assert "move e2e4" in result["guest"]["received"]
    # coturn saw both players allocate with the credentials lobbyd minted for them.
    assert result["host"]["player"] != result["guest"]["player"]
    for page in (result["host"], result["guest"]):
        assert f":{page['player']}" in turn.output(), turn.output()[-3000:]
    assert (shots / "host.png").stat().st_size > 0
    assert (shots / "guest.png").stat().st_size > 0
