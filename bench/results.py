"""What a run found, as written to results.json."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.wrk import LoadResult

REPO = Path(__file__).resolve().parent.parent


@dataclass
class CpuCost:
    """CPU time spent on one timed run, from /proc (utime + stime), per request answered.

    `server_*` is lobbyd's process tree (the server and its workers); `postgres_*` the
    PostgreSQL backends serving the run's database (None when PostgreSQL is not used or its
    processes are not visible); `postgres_all_*` every child of the postmaster, which on a
    shared PostgreSQL also counts other users' work."""

    requests: int
    seconds: float
    server_s: float
    server_us: float | None
    postgres_s: float | None = None
    postgres_us: float | None = None
    postgres_all_s: float | None = None
    postgres_all_us: float | None = None
    #: PostgreSQL backends of the run's database seen at the start and the end of the run.
    postgres_backends: int = 0
    #: Why a PostgreSQL figure is missing.
    postgres_reason: str | None = None


@dataclass
class Measurement:
    """One load run, in the units the report uses."""

    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    requests: int
    duration_s: float
    statuses: dict[str, int]
    socket_errors: dict[str, int]
    unexpected: int
    offered_rps: float | None = None
    label: str = ""
    #: Open loop only: p99 of how late the generator sent (high: the generator was starved).
    send_lag_ms: float | None = None
    #: Load-curve runs above half the peak: what a saturated server may answer without it
    #: being a fault (requests still queued at the end, connections dropped, a leave that
    #: overtook its join), counted apart from `unexpected`, which keeps 5xx and refused
    #: connections.
    overload: int = 0
    #: Closed-loop runs: the CPU the server (and PostgreSQL) spent per request answered.
    cpu: CpuCost | None = None

    @classmethod
    def of(
        cls,
        result: LoadResult,
        expected: frozenset[int],
        label: str = "",
        *,
        saturating: bool = False,
    ) -> Measurement:
        """From a wrk or open-loop result; `saturating` for a load-curve run near the peak."""
        unexpected = result.unexpected(expected)
        overload = 0
        if saturating:
            faults = sum(n for status, n in result.statuses.items() if status >= 500)
            faults += result.socket_errors.get("connect", 0)
            overload, unexpected = unexpected - faults, faults
        return cls(
            rps=round(result.rps, 1),
            p50_ms=round(result.p50_ms, 3),
            p90_ms=round(result.p90_ms, 3),
            p99_ms=round(result.p99_ms, 3),
            p999_ms=round(result.p999_ms, 3),
            max_ms=round(result.max_ms, 3),
            requests=result.requests,
            duration_s=round(result.duration_s, 3),
            statuses={str(k): v for k, v in sorted(result.statuses.items())},
            socket_errors=result.socket_errors,
            unexpected=unexpected,
            offered_rps=round(result.offered_rps, 1) if result.offered_rps else None,
            label=label,
            send_lag_ms=result.send_lag_ms,
            overload=overload,
        )


@dataclass
class ScenarioRun:
    """One scenario on one lobbyd configuration."""

    server: str
    scenario: str
    title: str
    hot: bool
    expected: list[int]
    available: bool = True
    reason: str | None = None
    error: str | None = None
    peak: Measurement | None = None
    ratio: float | None = None
    half: Measurement | None = None
    curve: list[Measurement] = field(default_factory=list)
    profile: dict[str, Any] | None = None
    #: The yardstick run just before this configuration's block (the ratio uses it and the next).
    yardstick_index: int | None = None
    #: 1-minute load average when the timed run ended (the machine is shared).
    load_average: float | None = None

    @property
    def unexpected(self) -> int:
        """Unexpected responses over every run of the scenario."""
        runs = [self.peak, *self.curve]  # `half` is one of the curve's runs
        return sum(run.unexpected for run in runs if run is not None)


@dataclass
class Results:
    """Everything results.json holds."""

    meta: dict[str, Any]
    yardstick: list[Measurement] = field(default_factory=list)
    peer: dict[str, Any] = field(default_factory=dict)
    servers: list[dict[str, Any]] = field(default_factory=list)
    runs: list[ScenarioRun] = field(default_factory=list)
    fanout: list[dict[str, Any]] = field(default_factory=list)
    signals: list[dict[str, Any]] = field(default_factory=list)
    memory: list[dict[str, Any]] = field(default_factory=list)
    scaling: list[dict[str, Any]] = field(default_factory=list)
    friends: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def yardstick_rps(self) -> float | None:
        """The yardstick's throughput: the mean of all its runs."""
        values = [m.rps for m in self.yardstick if m.rps]
        return sum(values) / len(values) if values else None

    def local_yardstick(self, index: int | None) -> float | None:
        """The mean of the yardstick runs just before and just after a block of measurements
        (the machine drifts: a block is compared with the yardstick of its own minutes)."""
        if index is None or not 0 <= index < len(self.yardstick):
            return self.yardstick_rps
        around = [m.rps for m in self.yardstick[index : index + 2] if m.rps]
        return sum(around) / len(around) if around else self.yardstick_rps

    def ratio(self, rps: float | None, index: int | None = None) -> float | None:
        """rps as a fraction of the yardstick measured around it."""
        base = self.local_yardstick(index)
        return round(rps / base, 3) if rps is not None and base else None

    def write(self, path: Path) -> None:
        """Write results.json."""
        path.write_text(json.dumps(asdict(self), indent=2, sort_keys=False) + "\n")


def _run(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (done.stdout or done.stderr).strip() or "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return 0.0


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def machine(wrk_version: str) -> dict[str, Any]:
    """Where and on what the run happened."""
    from lobbyd import __version__

    dirty = _run(["git", "-C", str(REPO), "status", "--porcelain"])
    return {
        "hostname": platform.node(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": _os_name(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "lobbyd": __version__,
        "git_commit": _run(["git", "-C", str(REPO), "rev-parse", "--short=12", "HEAD"]),
        "git_uncommitted_files": 0 if dirty == "unknown" else len(dirty.splitlines()),
        "wrk": wrk_version,
        "node": _run(["node", "--version"]),
        "postgres": _run(["psql", "--version"]),
        "redis": _run(["redis-server", "--version"]),
        "load_average_at_start": list(os.getloadavg()),
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
