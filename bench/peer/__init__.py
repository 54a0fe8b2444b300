"""The Colyseus peer: installed with npm into bench/.peer/ (gitignored), started with node.

Colyseus 0.18 needs Node 22; 0.17 (the line ARCHITECTURE.md measured) runs on Node 20, with a
warning about its declared engines.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.log import say
from bench.procs import Proc, Processes, free_port

HERE = Path(__file__).resolve().parent
INSTALL_DIR = HERE.parent / ".peer"
ROOM = "lobby"


class PeerUnavailable(RuntimeError):
    """Colyseus could not be installed or started; the message says why."""


@dataclass
class Peer:
    """A running Colyseus server."""

    proc: Proc
    versions: dict[str, str]

    @property
    def path(self) -> str:
        """The matchmaking route the bench drives."""
        return f"/matchmake/joinOrCreate/{ROOM}"


def install() -> dict[str, str]:
    """npm install the pinned packages into bench/.peer/ (skipped when already there)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise PeerUnavailable("node or npm is not installed")
    INSTALL_DIR.mkdir(parents=True, exist_ok=True)
    manifest = (HERE / "package.json").read_text()
    shutil.copy(HERE / "server.mjs", INSTALL_DIR / "server.mjs")
    stamp = INSTALL_DIR / ".installed-manifest"
    wanted = json.loads(manifest)["dependencies"]
    if not (stamp.exists() and stamp.read_text() == manifest):
        (INSTALL_DIR / "package.json").write_text(manifest)
        say(f"npm install {' '.join(f'{k}@{v}' for k, v in wanted.items())} into {INSTALL_DIR}")
        try:
            done = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=INSTALL_DIR,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise PeerUnavailable("npm install took more than 5 minutes") from exc
        if done.returncode != 0:
            raise PeerUnavailable(f"npm install failed: {(done.stderr or done.stdout)[-600:]}")
        stamp.write_text(manifest)
    else:
        say(f"Colyseus already installed in {INSTALL_DIR}")
    versions = {}
    for name in wanted:
        package = INSTALL_DIR / "node_modules" / name / "package.json"
        if not package.exists():
            stamp.unlink(missing_ok=True)
            raise PeerUnavailable(f"{name} is missing after npm install")
        versions[name] = json.loads(package.read_text())["version"]
    versions["node"] = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return versions


def start(procs: Processes) -> Peer:
    """Install if needed and start Colyseus on a free port."""
    versions = install()
    port = free_port()
    proc = procs.start(
        "colyseus",
        ["node", "server.mjs"],
        env={"PORT": str(port), "NODE_ENV": "production"},
        cwd=INSTALL_DIR,
        port=port,
    )
    try:
        procs.wait_listening(proc, timeout=30)
    except RuntimeError as exc:
        raise PeerUnavailable(f"Colyseus did not start: {exc}") from exc
    return Peer(proc, versions)
