"""The TypeScript SDK's own tests (`npm ci && npm test` in clients/typescript), run by make test.

They start real `lobbyd serve` processes (this checkout's, from this virtual environment) and a
redis-server, and drive the SDK from Node and from headless Chromium. Outside CI they are
skipped where Node, npm or redis-server is missing; under CI=true they must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.backends import unavailable

PACKAGE = Path(__file__).resolve().parents[2] / "clients" / "typescript"
#: Seconds for `npm ci` and `npm test` together (about 40 s here).
BUDGET = 600


def _need(*tools: str) -> None:
    for tool in tools:
        if shutil.which(tool) is None:
            unavailable(tool, "not installed")


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(BUDGET)
def test_the_typescript_sdk_passes_its_tests_in_node_and_chromium() -> None:
    _need("node", "npm", "redis-server")
    lobbyd = Path(sys.executable).with_name("lobbyd")
    env = {**os.environ, "LOBBYD_COMMAND": str(lobbyd), "npm_config_update_notifier": "false"}
    env.pop("LOBBYD_URL", None)
    for command in (["npm", "ci", "--no-audit", "--no-fund"], ["npm", "test"]):
        run = subprocess.run(
            command, cwd=PACKAGE, env=env, capture_output=True, text=True, timeout=BUDGET
        )
        assert run.returncode == 0, f"{' '.join(command)} failed:\n{run.stdout}\n{run.stderr}"
    assert "# fail 0" in run.stdout, run.stdout
    # Under CI the browser tests must have run, not been skipped.
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        assert "# skipped 0" in run.stdout, run.stdout
