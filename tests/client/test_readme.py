"""clients/python/README.md: its quick start runs as written against a real `lobbyd serve` and
prints what the README shows; its API reference lists exactly what the package has."""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import lobbyd
import lobbyd_client
from lobbyd_client import Document, Heartbeat, LobbydClient, SyncSocket
from tests.processes import lobbyd_serve

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "python"
README = (CLIENT / "README.md").read_text()
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _section(title: str, text: str = README, level: str = "##") -> str:
    """The text under a heading, up to the next heading of the same level."""
    start = text.index(f"\n{level} {title}\n")
    rest = text[start + len(title) + len(level) + 3 :]
    end = re.search(rf"^{level} ", rest, re.MULTILINE)
    return rest if end is None else rest[: end.start()]


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL)


@pytest.mark.e2e
def test_the_quick_start_runs_as_written_and_prints_what_the_readme_shows(
    tmp_path: Path,
) -> None:
    quick_start = _section("Quick start")
    (program,) = _blocks(quick_start, "python")
    (shown,) = _blocks(quick_start, "text")
    (tmp_path / "quickstart.py").write_text(program)
    served = tmp_path / "server"
    served.mkdir()
    with lobbyd_serve({"LOBBYD_SESSION_TIMEOUT": "60"}, cwd=served) as server:
        env = {**os.environ, "LOBBYD_URL": server.url}
        run = subprocess.run(
            [sys.executable, "quickstart.py"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert run.returncode == 0, run.stderr
    assert UUID.sub("<uuid>", run.stdout) == shown


def _documented(section: str) -> set[str]:
    """The names a reference section lists: each bullet's leading `name` (and `name`s joined
    to it by commas or "and")."""
    names: set[str] = set()
    for bullet in re.findall(r"^- (.*(?:\n  .*)*)", section, re.MULTILINE):
        for name in re.findall(r"`(\w+)(?:\(|`)", bullet):
            names.add(name)
    return names


def _public(cls: type, instance: object) -> set[str]:
    members = {name for name in dir(cls) if not name.startswith("_")}
    members |= {name for name in vars(instance) if not name.startswith("_")}
    return members


@pytest.mark.parametrize(
    ("cls", "make"),
    [
        (LobbydClient, lambda: LobbydClient("http://lobbyd.test")),
        (SyncSocket, lambda: SyncSocket("http://lobbyd.test", "key", "token")),
        (Heartbeat, lambda: Heartbeat(LobbydClient("http://lobbyd.test"), 1)),
        (Document, lambda: Document(1)),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_the_reference_lists_every_member_of_each_class(cls: type, make: object) -> None:
    assert callable(make)
    section = _section(f"`{cls.__name__}`", _section("API reference"), "###")
    public = _public(cls, make())
    documented = _documented(section)
    assert public - documented == set(), f"{cls.__name__}: not in the README"
    # Beyond the members, bullets name only the package's types, builtins, and the parameters
    # and answer fields of the calls they describe (so a renamed method cannot linger there).
    parameters = {
        name
        for member in [cls.__init__, *(getattr(cls, name) for name in dir(cls))]
        if inspect.isfunction(member)
        for name in inspect.signature(member).parameters
    }
    fields = {
        field.name
        for name in lobbyd_client.__all__
        if dataclasses.is_dataclass(value := getattr(lobbyd_client, name))
        for field in dataclasses.fields(value)
    }
    allowed = set(lobbyd_client.__all__) | {"int", "float", "list"} | parameters | fields
    allowed |= {"keyword", "reservations", "inactive", "private", "take", "cursor"}  # GET /sessions
    assert documented - public - allowed == set(), f"{cls.__name__}: listed but not there"


def test_the_reference_lists_every_field_of_every_answer() -> None:
    answers = _section("Answers", _section("API reference"), "###")
    listed = {
        name: re.findall(r"`(\w+)`", fields)
        for name, fields in re.findall(r"^- `(\w+)`[^:]*: (.*(?:\n  .*)*)", answers, re.MULTILINE)
    }
    models = {
        name: getattr(lobbyd_client, name)
        for name in lobbyd_client.__all__
        if isinstance(getattr(lobbyd_client, name), type)
        and issubclass(getattr(lobbyd_client, name), lobbyd_client.models.Model)
    }
    assert set(listed) == set(models)
    for name, model in models.items():
        fields = [field.name for field in dataclasses.fields(model)]
        named = [word for word in listed[name] if word in fields]
        assert sorted(set(named)) == sorted(fields), name


def test_the_reference_names_every_public_name() -> None:
    reference = _section("API reference")
    for name in lobbyd_client.__all__:
        assert f"`{name}" in reference, name
    for name, value in vars(lobbyd_client).items():
        if not name.startswith("_") and not inspect.ismodule(value):
            assert name in lobbyd_client.__all__, f"{name} is public but not in __all__"


def test_the_versions_agree() -> None:
    project = tomllib.loads((CLIENT / "pyproject.toml").read_text())["project"]
    assert lobbyd_client.__version__ == project["version"]
    assert lobbyd.__version__ == lobbyd_client.API_VERSION  # the server's API version
    assert f"This version ({project['version']}) speaks lobbyd API **{lobbyd.__version__}**" in (
        README
    )
