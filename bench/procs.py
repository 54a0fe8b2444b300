"""Processes the bench starts: servers, the peer, generators. All are stopped on exit or Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.log import say


class StartFailed(RuntimeError):
    """A server did not come up; the message carries the tail of its log."""


@dataclass
class Proc:
    """One started process (the leader of its own process group)."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    port: int | None = None
    #: Where this process's output starts in its log (logs are appended to).
    log_offset: int = 0

    @property
    def pid(self) -> int:
        """The leader's pid."""
        return self.popen.pid

    def log_problems(self, limit: int = 5) -> dict[str, Any]:
        """Unhandled errors the process logged: how many, and the distinct exception lines."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(self.log_offset)
                text = log.read().decode(errors="replace")
        except OSError:
            return {}
        lines = text.splitlines()
        errors = [line for line in lines if "unhandled error" in line or "Exception in" in line]
        kinds: dict[str, int] = {}
        for index, line in enumerate(lines):
            if line.startswith("Traceback"):
                end = next(
                    (
                        j
                        for j in range(index + 1, len(lines))
                        if lines[j] and not lines[j].startswith(" ")
                    ),
                    None,
                )
                if end is not None:
                    kinds[lines[end][:200]] = kinds.get(lines[end][:200], 0) + 1
        top = sorted(kinds.items(), key=lambda item: -item[1])[:limit]
        return {
            "unhandled": len(errors),
            "tracebacks": sum(kinds.values()),
            "kinds": [{"error": k, "count": n} for k, n in top],
        }

    def log_tail(self, lines: int = 25) -> str:
        """The last lines of the process's output."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children_of(pid: int) -> list[int]:
    """Every descendant of pid (from /proc), depth first."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found: list[int] = []
    stack = [pid]
    while stack:
        for child in parents.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _start_time(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def rss_kib(pids: list[int]) -> int:
    """Resident memory of the given processes, KiB (0 for those gone)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


class Processes:
    """Starts processes in their own process groups and stops exactly those groups."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: list[Proc] = []

    def start(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        port: int | None = None,
    ) -> Proc:
        """Start argv with output to <log_dir>/<name>.log."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        offset = log_path.stat().st_size if log_path.exists() else 0
        with log_path.open("ab") as out:
            popen = subprocess.Popen(
                argv,
                env={**os.environ, **(env or {})},
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        proc = Proc(name, popen, log_path, port, offset)
        self.running.append(proc)
        return proc

    def wait_listening(self, proc: Proc, timeout: float = 60.0) -> None:
        """Wait until proc accepts TCP connections on its port; StartFailed if it dies first."""
        assert proc.port is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.popen.poll() is not None:
                raise StartFailed(
                    f"{proc.name} exited with {proc.popen.returncode}:\n{proc.log_tail()}"
                )
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.settimeout(0.5)
                if sock.connect_ex(("127.0.0.1", proc.port)) == 0:
                    return
            time.sleep(0.1)
        self.stop(proc)
        raise StartFailed(f"{proc.name} did not listen within {timeout:.0f}s:\n{proc.log_tail()}")

    def stop(self, proc: Proc, grace: float = 8.0) -> None:
        """SIGTERM the process group, then SIGKILL what is left after `grace` seconds."""
        if proc in self.running:
            self.running.remove(proc)
        pids = [(pid, _start_time(pid)) for pid in children_of(proc.pid)]
        if proc.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                say(f"{proc.name} ignored SIGTERM for {grace:.0f}s: killing it")
        # Workers can outlive their supervisor: kill what remains of the group, and any
        # descendant that left it (checked again by its start time, so no reused pid is hit).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        for pid, started in pids:
            if _start_time(pid) == started:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.popen.wait(timeout=5)

    def stop_all(self) -> None:
        """Stop every process still running, newest first."""
        for proc in reversed(list(self.running)):
            self.stop(proc)
