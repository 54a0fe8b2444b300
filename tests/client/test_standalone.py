"""The client distribution (clients/python) installs and imports without the server's stack.

A fresh virtual environment gets only lobbyd-client and the closure of the dependencies its
pyproject declares (linked from this environment), nothing else: importing every module of the
client there must work, and must not have imported any server dependency.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "python"
SERVER_ONLY = ["fastapi", "starlette", "pydantic", "sqlalchemy", "asyncpg", "aiosqlite", "redis"]
SERVER_ONLY += ["alembic", "uvicorn", "granian", "jwt", "typer", "lobbyd"]

PROBE = """
import importlib, json, pkgutil, sys
import lobbyd_client
for module in pkgutil.walk_packages(lobbyd_client.__path__, "lobbyd_client."):
    importlib.import_module(module.name)
loaded = sorted({name.partition(".")[0] for name in sys.modules})
absent = []
for name in SERVER_ONLY:
    try:
        importlib.import_module(name)
    except ImportError:
        absent.append(name)
print(json.dumps({"loaded": loaded, "absent": absent, "client": lobbyd_client.__file__}))
"""


def _closure(requirements: list[str]) -> set[str]:
    """The installed distributions these requirements pull in, transitively."""
    seen: set[str] = set()
    todo = [Requirement(text) for text in requirements]
    while todo:
        requirement = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = requirement.name.lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        todo += [Requirement(text) for text in importlib.metadata.requires(name) or []]
    return seen


def _link(distribution: str, site: Path) -> None:
    dist = importlib.metadata.distribution(distribution)
    tops = {Path(str(file)).parts[0] for file in dist.files or []}
    for top in tops - {".."}:
        if top.endswith(".pth") or top == "__pycache__":
            continue
        target = site / top
        if not target.exists():
            target.symlink_to(Path(str(dist.locate_file(top))))


def test_the_client_imports_in_a_venv_without_the_server_dependencies(tmp_path: Path) -> None:
    declared = tomllib.loads((CLIENT / "pyproject.toml").read_text())["project"]["dependencies"]
    closure = _closure(declared)
    assert {"httpx", "websockets"} <= closure
    assert not closure & {"fastapi", "pydantic", "sqlalchemy", "asyncpg", "lobbyd"}, closure

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    for distribution in closure:
        _link(distribution, site)
    (site / "lobbyd_client").symlink_to(CLIENT / "src" / "lobbyd_client")

    probe = f"SERVER_ONLY = {SERVER_ONLY!r}\n{PROBE}"
    run = subprocess.run(
        [str(python), "-I", "-c", probe], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert found["client"].startswith(str(site)), found
    assert found["absent"] == SERVER_ONLY, f"importable in the client's venv: {found}"
    assert not set(found["loaded"]) & set(SERVER_ONLY), found["loaded"]
    assert {"httpx", "websockets", "lobbyd_client"} <= set(found["loaded"])


def test_the_old_import_path_still_works_and_warns() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-W",
            "always::DeprecationWarning",
            "-c",
            "import lobbyd.client as old, lobbyd_client as new\n"
            "assert old.LobbydClient is new.LobbydClient and old.__all__ == new.__all__\n"
            "import lobbyd.app",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "lobbyd.client is deprecated: import lobbyd_client" in run.stderr


def test_the_server_never_imports_the_client() -> None:
    run = subprocess.run(
        [sys.executable, "-c", "import sys, lobbyd.app, lobbyd.cli; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "lobbyd_client" not in run.stdout
    assert "lobbyd.client" not in run.stdout
