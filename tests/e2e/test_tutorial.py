"""docs/tutorial.md and the README's Quick start, run as written: `make run` on a free port, then
every command of the page in the terminal it names, checking what the page says they print."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.e2e.docs_runner import (
    EXPECTED,
    PLAYERS,
    REPO,
    Block,
    Terminal,
    background,
    blocks,
    clean_env,
    pattern,
    section,
)
from tests.processes import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

DOCUMENTED = "localhost:8000"

#: What a reader pastes from one terminal into another: placeholder -> (terminal, expression).
PASTES = {"paste-alice-uuid-here": ("alice", "$ALICE")}


class Page:
    """A page being followed: its server, its terminals, and the port it really runs on."""

    def __init__(self, stack: ExitStack, tmp_path: Path) -> None:
        self.stack = stack
        self.tmp_path = tmp_path
        self.port = free_port()
        self.terminals: dict[str, Terminal] = {}

    def local(self, text: str) -> str:
        """The text with the documented address replaced by the test server's."""
        return text.replace(DOCUMENTED, f"localhost:{self.port}")

    def terminal(self, name: str) -> Terminal:
        """The terminal called `name`, opened on first use."""
        if name not in self.terminals:
            terminal = Terminal.open(name, clean_env())
            self.stack.callback(terminal.close)
            self.terminals[name] = terminal
        return self.terminals[name]

    def follow(self, block: Block) -> None:
        """Do what one block says."""
        if block.language == "text":
            self.terminal(block.where).expect_lines(block.text.strip().splitlines())
        elif block.where == "server":
            self.start_server(block.text.strip())
        elif block.where == PLAYERS:
            for name in ("alice", "bob"):
                self.run(name, block.text)
        else:
            self.run(block.where or "shell", block.text)

    def start_server(self, command: str) -> None:
        """Start the server block with the test's port and a database of its own."""
        assert command == "make run", command
        env = clean_env(
            HOST="127.0.0.1",
            PORT=str(self.port),
            LOBBYD_DATABASE_URL=f"sqlite:///{self.tmp_path / 'lobbyd.sqlite3'}",
        )
        ready = f"http://127.0.0.1:{self.port}/healthz"
        self.stack.enter_context(background(command, env, self.tmp_path / "server.log", ready))

    def run(self, name: str, text: str) -> None:
        """Type a block into its terminal and check the output it documents."""
        for placeholder, (source, expression) in PASTES.items():
            if placeholder in text:
                pasted = self.terminal(source).type(f'echo "{expression}"').strip()
                text = text.replace(placeholder, pasted)
        output = self.terminal(name).type(self.local(text))
        position = 0
        for expected in EXPECTED.findall(text):
            found = pattern(expected).search(output, position)
            assert found, f"terminal {name}: {expected!r} not in the output of\n{text}\n{output}"
            position = found.end()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    """A reader about to follow a page."""
    with ExitStack() as stack:
        following = Page(stack, tmp_path)
        yield following
        for terminal in following.terminals.values():
            print(f"--- terminal {terminal.name} ---\n{terminal.transcript()}")


def test_the_tutorial_runs_as_written(page: Page) -> None:
    steps = blocks((REPO / "docs" / "tutorial.md").read_text())
    assert [b.where for b in steps if b.language == "sh"][:2] == ["server", PLAYERS]
    for block in steps:
        page.follow(block)
    assert [b.where for b in steps if b.language == "text"].count("alice") >= 5


def test_the_readme_quick_start_runs_as_written(page: Page) -> None:
    steps = blocks(section((REPO / "README.md").read_text(), "Quick start"))
    assert [b.where for b in steps][:1] == ["server"]
    for block in steps:
        page.follow(block)
    assert len(steps) >= 4
