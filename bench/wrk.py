"""wrk (from the Debian package, installed when missing) replaying pre-rendered requests."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench.log import say

LUA = Path(__file__).parent / "lua" / "replay.lua"


@dataclass
class LoadResult:
    """What one load run measured."""

    requests: int
    duration_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float = 0.0
    max_ms: float = 0.0
    mean_ms: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    socket_errors: dict[str, int] = field(default_factory=dict)
    offered_rps: float | None = None
    send_lag_ms: float | None = None

    @property
    def rps(self) -> float:
        """Responses per second."""
        return self.requests / self.duration_s if self.duration_s else 0.0

    def unexpected(self, expected: frozenset[int]) -> int:
        """Responses whose status the scenario does not expect, plus socket errors."""
        wrong = sum(n for status, n in self.statuses.items() if status not in expected)
        return wrong + sum(self.socket_errors.values())


def http_request(
    method: str,
    path: str,
    port: int,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> bytes:
    """One raw HTTP/1.1 request (keep-alive)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None or method in {"POST", "PUT", "PATCH"}:
        lines.append(f"Content-Length: {len(body or b'')}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def write_requests(prefix: Path, per_thread: list[list[bytes]]) -> None:
    """Write PREFIX.N.req for thread N: length-prefixed raw requests."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    for index, requests in enumerate(per_thread):
        if not requests:
            raise ValueError(f"no requests for thread {index}")
        with open(f"{prefix}.{index}.req", "wb") as out:
            for raw in requests:
                out.write(b"%d\n" % len(raw))
                out.write(raw)


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian (apt-get install -y wrk) when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    say("wrk is missing: installing the Debian package (apt-get install -y wrk)")
    for argv in (
        ["apt-get", "install", "-y", "--no-install-recommends", "wrk"],
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", "wrk"],
    ):
        say(f"$ {' '.join(argv)}")
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        for line in (done.stdout + done.stderr).splitlines()[-4:]:
            say(f"  {line}")
        found = shutil.which("wrk")
        if found:
            return found
    raise RuntimeError("wrk is not installed and `apt-get install -y wrk` failed (are we root?)")


def wrk_version(binary: str) -> str:
    """wrk's version line."""
    done = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout + done.stderr).splitlines()[0].strip() if done.stdout else "unknown"


def run_wrk(
    binary: str,
    url: str,
    prefix: Path,
    *,
    threads: int,
    connections: int,
    duration: float,
    timeout: float = 5.0,
) -> LoadResult:
    """Run wrk with the replay script over the PREFIX.N.req files."""
    argv = [
        binary,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={timeout:g}s",
        "-s",
        str(LUA),
        url,
        "--",
        str(prefix),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            return _parse(json.loads(line.removeprefix("BENCHJSON ")))
    raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-800:]} {done.stderr[-800:]}")


def from_openloop(data: dict[str, object]) -> LoadResult:
    """A LoadResult from bench.openloop's JSON."""
    latency = data["latency_ms"]
    statuses = data["statuses"]
    errors = data["errors"]
    assert isinstance(latency, dict)
    assert isinstance(statuses, dict)
    assert isinstance(errors, dict)
    offered = data.get("offered_rps")
    return LoadResult(
        requests=int(str(data["completed"])),
        duration_s=float(str(data["duration_s"])),
        p50_ms=float(latency["p50"]),
        p90_ms=float(latency["p90"]),
        p99_ms=float(latency["p99"]),
        p999_ms=float(latency["p999"]),
        max_ms=float(latency["max"]),
        statuses={int(k): int(v) for k, v in statuses.items()},
        socket_errors={str(k): int(v) for k, v in errors.items()},
        offered_rps=float(str(offered)) if offered is not None else None,
        send_lag_ms=float(str(data.get("send_lag_ms_p99", 0.0))),
    )


def _parse(data: dict[str, object]) -> LoadResult:
    latency = data["latency_us"]
    errors = data["errors"]
    statuses = data["statuses"]
    assert isinstance(latency, dict)
    assert isinstance(errors, dict)
    assert isinstance(statuses, dict)
    socket_errors = {k: int(v) for k, v in errors.items() if k != "status" and int(v)}
    return LoadResult(
        requests=int(str(data["requests"])),
        duration_s=int(str(data["duration_us"])) / 1e6,
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        p999_ms=latency["p999"] / 1000,
        max_ms=latency["max"] / 1000,
        mean_ms=latency["mean"] / 1000,
        statuses={int(k): int(v) for k, v in statuses.items()},
        socket_errors=socket_errors,
    )
