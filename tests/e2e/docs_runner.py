"""Run the shell blocks of a Markdown page as a reader would: `make run` in one terminal, the
players' commands in others, and check what the page says they print.

A page marks its fenced blocks with a word after the language:

- ```` ```sh server ````: started in the background, like a terminal left running the server;
- ```` ```sh NAME ```` (``players`` = every player terminal): typed into the terminal NAME, a
  bash that keeps its variables; its `# -> TEXT` lines must appear in that block's output;
- ```` ```text NAME ````: lines that must appear in terminal NAME by then, in order (output of
  background commands, which arrives when it arrives).

In expected text, `...` stands for anything on the line (uuids, keys, tokens).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\w+)[ \t]*([\w,-]*)[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
EXPECTED = re.compile(r"^# -> (.*)$", re.MULTILINE)
PLAYERS = "players"

#: How long one step may take before the test gives up (a deadline, not a timing assertion).
STEP_TIMEOUT = 60.0


@dataclass(frozen=True)
class Block:
    """One fenced block of the page."""

    language: str
    where: str
    text: str


def blocks(markdown: str) -> list[Block]:
    """The page's fenced blocks, in order."""
    return [Block(*match.groups()) for match in FENCE.finditer(markdown)]


def section(markdown: str, heading: str) -> str:
    """The text under `## heading`, up to the next heading of that level."""
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else None]


def pattern(expected: str) -> re.Pattern[str]:
    """A line of expected output as a regular expression (`...` is anything on the line)."""
    return re.compile(".*?".join(re.escape(part) for part in expected.split("...")))


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any LOBBYD_* setting, plus `extra`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("LOBBYD_")}
    return {**env, **extra}


@dataclass
class Terminal:
    """A bash the test types into, like a person at a terminal; it keeps everything printed."""

    name: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    done: bool = False
    cursor: int = 0  # how far `expect_lines` has matched
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _markers: Iterator[int] = field(default_factory=itertools.count)

    @classmethod
    def open(cls, name: str, env: dict[str, str]) -> Terminal:
        """Start the shell in the repository, failing on the first command that fails."""
        process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, so that it can be stopped whole
        )
        terminal = cls(name, process)
        threading.Thread(target=terminal._read, daemon=True).start()
        terminal.type("set -eo pipefail")
        return terminal

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.done = True
            self._changed.notify_all()

    def transcript(self) -> str:
        """Everything the terminal printed so far."""
        with self._changed:
            return "\n".join(self.lines)

    def _wait(self, found: re.Pattern[str], start: int) -> int:
        """The index of the first line from `start` matching `found`, waiting for it."""
        deadline = time.monotonic() + STEP_TIMEOUT
        with self._changed:
            while True:
                for index in range(start, len(self.lines)):
                    if found.search(self.lines[index]):
                        return index
                left = deadline - time.monotonic()
                if self.done or left <= 0:
                    raise AssertionError(
                        f"terminal {self.name}: no line matching {found.pattern!r}"
                        f"{' (the shell exited)' if self.done else ''}; it printed:\n"
                        + "\n".join(self.lines)
                    )
                self._changed.wait(left)

    def type(self, commands: str) -> str:
        """Type the commands, wait until they ran, and return what they printed."""
        marker = f"__done_{self.name}_{next(self._markers)}__"
        with self._changed:
            start = len(self.lines)
        assert self.process.stdin is not None
        self.process.stdin.write(f"{commands}\necho\necho {marker}\n")
        self.process.stdin.flush()
        end = self._wait(re.compile(f"^{marker}$"), start)
        with self._changed:
            return "\n".join(self.lines[start:end])

    def expect_lines(self, expected: list[str]) -> None:
        """Wait until each line appears, in order, after the last one matched before."""
        for line in expected:
            self.cursor = self._wait(pattern(line), self.cursor) + 1

    def close(self) -> None:
        """Stop the shell and whatever it left running in the background."""
        stop(self.process)


def stop(process: subprocess.Popen[str]) -> None:
    """Stop a process started in its own session, with everything it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(15)


@contextlib.contextmanager
def background(command: str, env: dict[str, str], log: Path, ready_url: str) -> Iterator[None]:
    """Run a server block (`make run`) in its own process group until the page is done."""
    with log.open("w") as sink:
        process = subprocess.Popen(
            ["bash", "-c", command],
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    try:
        # A fresh clone installs first: allow for that, then the server must answer.
        deadline = time.monotonic() + 300
        while not _answers(ready_url):
            assert process.poll() is None, f"{command!r} exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"{command!r} never answered:\n{log.read_text()}"
            time.sleep(0.2)
        yield
    finally:
        stop(process)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
