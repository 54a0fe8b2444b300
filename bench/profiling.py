"""py-spy attached to a running server during a load run; where its CPU time goes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

#: Layers a sampled frame is charged to, by the first matching piece of its file path.
LAYERS = (
    ("lobbyd", "/lobbyd/"),
    ("pydantic", "pydantic"),
    ("fastapi", "/fastapi/"),
    ("starlette", "/starlette/"),
    ("uvicorn/httptools", "/uvicorn/"),
    ("uvicorn/httptools", "httptools"),
    ("granian", "granian"),
    ("asyncpg", "asyncpg"),
    ("aiosqlite/sqlite3", "sqlite"),
    ("redis", "/redis/"),
    ("jwt/crypto", "/jwt/"),
    ("jwt/crypto", "cryptography"),
    ("json", "/json/"),
    ("asyncio/uvloop", "asyncio"),
    ("asyncio/uvloop", "uvloop"),
    ("websockets", "websockets"),
)


def py_spy() -> str | None:
    """The py-spy binary next to this Python, or on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


@dataclass
class Recording:
    """A py-spy run in the background."""

    popen: subprocess.Popen[bytes] | None
    output: Path
    error: str | None = None

    def finish(self, timeout: float = 30.0) -> str | None:
        """Wait for py-spy to write its file; None on success, else why not."""
        if self.popen is None:
            return self.error
        try:
            _, err = self.popen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return "py-spy did not finish"
        if self.popen.returncode != 0 or not self.output.exists():
            return f"py-spy failed: {err.decode(errors='replace')[-300:]}"
        return None


def record(pid: int, seconds: float, output: Path) -> Recording:
    """Start sampling pid and its worker processes for `seconds` (speedscope format)."""
    binary = py_spy()
    if binary is None:
        return Recording(None, output, "py-spy is not installed (pip install py-spy)")
    output.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        binary,
        "record",
        "--pid",
        str(pid),
        "--subprocesses",
        "--nonblocking",
        "--rate",
        "200",
        "--duration",
        str(max(1, round(seconds))),
        "--format",
        "speedscope",
        "--output",
        str(output),
    ]
    popen = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return Recording(popen, output)


#: Leaf frames that mean "waiting": py-spy's idle detection does not work in every container,
#: so these are dropped here. A leaf in the event loop's run() is uvloop's C code: waiting in
#: epoll, or libuv's own work; it is counted apart as "event loop (native)".
IDLE_FILES = ("threading.py", "queue.py", "selectors.py")
LOOP_LEAVES = {
    ("run", "runners.py"),
    ("run_forever", "base_events.py"),
    ("run_until_complete", "base_events.py"),
    ("_run_once", "base_events.py"),
}


def _idle(frame: dict[str, object]) -> str | None:
    path = str(frame.get("file", ""))
    base = path.rsplit("/", 1)[-1]
    if base in IDLE_FILES or "multiprocessing/" in path:
        return "idle"  # waiting threads; the supervisor waiting on its workers
    if not path and str(frame.get("name", "")).startswith("process "):
        return "loop"  # only py-spy's process frame: native code, no Python frame
    name = str(frame.get("name", "")).rsplit(".", 1)[-1]
    if (name, base) in LOOP_LEAVES:
        return "loop"
    return None


@dataclass
class Summary:
    """Where the sampled time went (shares of the busy samples)."""

    samples: int
    busy: int = 0
    event_loop_native: float = 0.0
    layers: list[tuple[str, float]] = field(default_factory=list)
    top_self: list[tuple[str, float]] = field(default_factory=list)
    top_lobbyd: list[tuple[str, float]] = field(default_factory=list)
    #: The hottest leaves with their two nearest callers.
    top_paths: list[tuple[str, float]] = field(default_factory=list)


def _layer(path: str) -> str:
    for name, piece in LAYERS:
        if piece in path:
            return name
    return "other"


def _label(frame: dict[str, object]) -> str:
    path = str(frame.get("file", ""))
    short = "/".join(path.split("/")[-2:])
    return f"{frame.get('name', '?')} ({short}:{frame.get('line', '?')})"


def _short(frame: dict[str, object]) -> str:
    return f"{frame.get('name', '?')}:{frame.get('line', '?')}"


def summarize(speedscope: Path, top: int = 12) -> Summary:
    """Self time per layer and per frame, and inclusive time of lobbyd's own frames."""
    data = json.loads(speedscope.read_text())
    frames = data["shared"]["frames"]
    self_time: Counter[int] = Counter()
    inclusive: Counter[int] = Counter()
    layers: Counter[str] = Counter()
    paths: Counter[str] = Counter()
    samples = total = loop = 0
    for profile in data["profiles"]:
        for stack in profile["samples"]:
            samples += 1
            if not stack:
                continue
            leaf = stack[-1]
            kind = _idle(frames[leaf])
            if kind == "idle":
                continue
            if kind == "loop":
                loop += 1
                continue
            total += 1
            self_time[leaf] += 1
            layers[_layer(str(frames[leaf].get("file", "")))] += 1
            paths[" <- ".join(_short(frames[i]) for i in reversed(stack[-3:]))] += 1
            for index in set(stack):
                if "/lobbyd/" in str(frames[index].get("file", "")):
                    inclusive[index] += 1
    if not total:
        return Summary(samples)

    def share(counter: Counter[int]) -> list[tuple[str, float]]:
        return [(_label(frames[i]), 100 * w / total) for i, w in counter.most_common(top)]

    return Summary(
        samples=samples,
        busy=total,
        event_loop_native=100 * loop / (total + loop),
        layers=[(name, 100 * w / total) for name, w in layers.most_common()],
        top_self=share(self_time),
        top_lobbyd=share(inclusive),
        top_paths=[(path, 100 * n / total) for path, n in paths.most_common(top)],
    )
