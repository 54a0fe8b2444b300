"""The C# client (clients/csharp), built with Mono and run against real `lobbyd serve` processes.

Its own test runner (`LobbydTests.exe`) runs the unit tests, then one game's whole flow against a
server: register, login, friends-only and befriend, launch, join with a ticket, both sync sockets,
a state patch seen by the guest, a server restart that both sockets resume from with `since=`,
a kick and the end. The flow prints `@@restart` and waits for `go` on stdin while this test
restarts the server on the same port (Redis keeps the documents and their change log, SQLite the
sessions). The README's quick start is compiled as written and run against the same server.

Outside CI these tests skip when Mono or Newtonsoft.Json is not installed; under CI=true they fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lobbyd import __version__ as api_version
from tests.backends import IN_CI, delete_keys, redis_prefix, shared_redis
from tests.processes import Server, _wait_ready, free_port
from tests.test_docs_stand_alone import citations

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
CSHARP = REPO / "clients" / "csharp"
BUILD = CSHARP / "build"
INSTALL = "apt-get install mono-devel libnewtonsoft-json-cil-dev"


def toolchain_missing() -> str | None:
    """What of the Mono toolchain is missing, or None."""
    missing = [tool for tool in ("mcs", "mono", "make", "pkg-config") if shutil.which(tool) is None]
    if not missing:
        found = subprocess.run(["pkg-config", "--exists", "newtonsoft-json"], check=False)
        if found.returncode != 0:
            missing.append("Newtonsoft.Json (newtonsoft-json.pc)")
    return ", ".join(missing) or None


@pytest.fixture(scope="module")
def built() -> Path:
    """The library, its tests and the README's quick start, compiled."""
    missing = toolchain_missing()
    if missing is not None:
        message = f"the Mono toolchain is not installed ({missing}): {INSTALL}"
        if IN_CI:
            pytest.fail(message + "; under CI=true it must be")
        pytest.skip(message)
    BUILD.mkdir(exist_ok=True)
    (BUILD / "ReadmeQuickStart.cs").write_text(readme_quick_start())
    result = subprocess.run(
        ["make", "-C", str(CSHARP), "tests", "quickstart", "build/ReadmeQuickStart.exe"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return BUILD


def readme_quick_start() -> str:
    """The C# program under the README's "Quick start" heading."""
    readme = (CSHARP / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1]
    match = re.search(r"```csharp\n(.*?)```", section, re.DOTALL)
    assert match is not None, "the quick start has a ```csharp block"
    return match.group(1)


class Lobby:
    """A `lobbyd serve` on a fixed port that can be restarted in place."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = {**os.environ, **env}
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: Server | None = None
        self.logs: list[Path] = []

    def start(self) -> None:
        log = self.workdir / f"serve-{len(self.logs)}.log"
        self.logs.append(log)
        command = [sys.executable, "-m", "lobbyd", "serve", "--port", str(self.port)]
        with log.open("wb") as sink:
            process = subprocess.Popen(
                command, cwd=self.workdir, env=self.env, stdout=sink, stderr=sink
            )
        self.server = Server(self.url, process, log)
        _wait_ready(self.server, 120)

    def stop(self) -> None:
        if self.server is not None:
            self.server.process.terminate()
            try:
                self.server.process.wait(20)
            except subprocess.TimeoutExpired:
                self.server.process.kill()
                self.server.process.wait(10)
            self.server = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def output(self) -> str:
        return "\n".join(
            f"--- {log.name} ---\n{log.read_text(errors='replace')}" for log in self.logs
        )


@pytest.fixture(scope="module")
def lobby(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lobby]:
    """lobbyd over a SQLite file and Redis (a key prefix of its own), so a restart keeps both."""
    redis_url, prefix = shared_redis(), redis_prefix()
    workdir = tmp_path_factory.mktemp("csharp")
    env = {
        "LOBBYD_DATABASE_URL": f"sqlite:///{workdir / 'lobbyd.sqlite3'}",
        "LOBBYD_REDIS_URL": redis_url,
        "LOBBYD_REDIS_PREFIX": prefix,
        "LOBBYD_JWT_SECRET": "csharp-test-signing-key-" + "x" * 32,
        "LOBBYD_REGISTER_RATE": "0",
        "LOBBYD_LOGIN_RATE": "0",
    }
    server = Lobby(env, workdir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        asyncio.run(delete_keys(redis_url, prefix))


def test_unit_tests(built: Path) -> None:
    result = subprocess.run(
        ["mono", "--debug", str(built / "LobbydTests.exe"), "unit"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    print(result.stdout, result.stderr)
    assert result.returncode == 0
    assert re.search(r"^\d+ passed, 0 failed$", result.stdout, re.MULTILINE)


def test_library_uses_only_net_standard_2_1_types(built: Path) -> None:
    """Mono compiles against its whole framework: check the types the library uses against
    those .NET Standard 2.1 has (what Unity 2021+ and Godot 4 offer)."""
    netstandard = "/usr/lib/mono/4.5/Facades/netstandard.dll"
    result = subprocess.run(
        ["mono", str(built / "ApiSurface.exe"), netstandard, str(built / "Lobbyd.dll")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    print(result.stdout, result.stderr)
    assert result.returncode == 0
    assert " 0 outside .NET Standard 2.1" in result.stdout


def test_quick_start_runs_as_written(built: Path, lobby: Lobby) -> None:
    result = subprocess.run(
        ["mono", "--debug", str(built / "ReadmeQuickStart.exe")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LOBBYD_URL": lobby.url},
        check=False,
    )
    print(result.stdout, result.stderr)
    assert result.returncode == 0, lobby.output()
    assert "the guest sees round 1" in result.stdout
    assert "session ended: ended_by_host" in result.stdout


def test_samples_are_the_readme_s_code() -> None:
    sample = (CSHARP / "Samples~" / "QuickStart" / "Program.cs").read_text()
    assert sample == readme_quick_start()
    unity = (CSHARP / "Samples~" / "Unity" / "LobbyPlayers.cs").read_text()
    assert f"```csharp\n{unity}```" in (CSHARP / "README.md").read_text()


def test_flow_against_a_real_server_with_a_restart(built: Path, lobby: Lobby) -> None:
    process = subprocess.Popen(
        ["mono", "--debug", str(built / "LobbydTests.exe"), "flow"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "LOBBYD_URL": lobby.url},
    )
    assert process.stdin is not None
    assert process.stdout is not None
    lines, restarted = [], 0.0
    try:
        for line in process.stdout:
            lines.append(line)
            if line.strip() == "@@restart":
                started = time.monotonic()
                lobby.restart()
                restarted = time.monotonic() - started
                process.stdin.write("go\n")
                process.stdin.flush()
        code = process.wait(30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    output = "".join(lines)
    print(output, f"(restart took {restarted:.1f} s)")
    assert code == 0, output + lobby.output()
    assert "@@restart" in output, "the flow asked for a restart"
    assert re.search(r"^\d+ passed, 0 failed$", output, re.MULTILINE)


def test_unity_package_layout() -> None:
    """`package.json` and a `.meta` beside every file and folder Unity imports (a package from
    a git URL is read-only, and Unity ignores assets without one); folders ending in `~`
    (tests, samples) and dotfiles are not imported."""
    package = json.loads((CSHARP / "package.json").read_text())
    version = re.search(
        r'Version = "([^"]+)"', (CSHARP / "Runtime" / "LobbydClient.cs").read_text()
    )
    assert version is not None
    assert package["version"] == version.group(1)
    assert package["name"] == "com.lobbyd.client"
    assert "com.unity.nuget.newtonsoft-json" in package["dependencies"]
    guids: list[str] = []
    for path in sorted(CSHARP.rglob("*")):
        relative = path.relative_to(CSHARP)
        if any(
            part.endswith("~") or part.startswith(".") or part == "build" for part in relative.parts
        ):
            continue
        if path.suffix == ".meta":
            assert path.with_suffix("").exists(), f"{relative} describes nothing"
            found = re.search(r"^guid: ([0-9a-f]{32})$", path.read_text(), re.MULTILINE)
            assert found is not None, f"{relative} has no guid"
            guids.append(found.group(1))
        else:
            assert path.with_name(path.name + ".meta").exists(), f"{relative} has no .meta"
    assert len(guids) == len(set(guids)), "guids are unique"


def test_the_client_states_the_api_version_the_server_serves() -> None:
    source = (CSHARP / "Runtime" / "LobbydClient.cs").read_text()
    assert f'ApiVersion = "{api_version}"' in source
    assert f"lobbyd API {api_version}" in (CSHARP / "README.md").read_text()


def test_csharp_texts_cite_nothing_outside_the_project() -> None:
    for path in sorted(CSHARP.rglob("*")):
        if path.suffix in {".cs", ".md", ".json"} and "build" not in path.parts:
            assert citations(path.read_text()) == [], path
