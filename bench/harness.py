"""What the runs beside the main one (scaling, sync) need of the running benchmark.

`bench.runner.Bench` provides it; `bench.scaling` and `bench.syncruns` depend on this protocol
only, so the runner can import them without an import circle."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bench.backends import Backends
from bench.procs import Proc
from bench.results import CpuCost, Results
from bench.scenarios import Scenario, Target
from bench.settings import Profile, ServerSpec
from bench.wrk import LoadResult


@dataclass
class Peak:
    """A warm-up and timed closed-loop run: what wrk measured, the profile of the warm-up (if
    one was asked for) and the CPU the server and PostgreSQL spent on the timed run."""

    result: LoadResult
    profile: dict[str, Any] | None
    cpu: CpuCost


class Harness(Protocol):
    """The load primitives and bookkeeping of one benchmark run."""

    profile: Profile
    work: Path
    results: Results
    backends: Backends

    @property
    def yardstick_index(self) -> int | None:
        """The latest yardstick run (the one a block of measurements is compared with)."""
        ...

    def fail(self, message: str) -> None:
        """Record a failure; the run goes on."""
        ...

    async def peak(
        self, scenario: Scenario, target: Target, label: str, profile_of: Proc | None = None
    ) -> Peak:
        """Warm up, then the timed closed-loop run."""
        ...

    async def at_rate(self, scenario: Scenario, port: int, rate: float, label: str) -> LoadResult:
        """The open-loop generator at a fixed rate."""
        ...

    async def database(self, spec: ServerSpec, label: str) -> tuple[str, dict[str, str]]:
        """A fresh, migrated database; its URL and lobbyd's environment."""
        ...

    async def start(
        self, spec: ServerSpec, url: str, env: dict[str, str], label: str | None = None
    ) -> tuple[Proc, Target]:
        """Start lobbyd."""
        ...

    def stop(self, proc: Proc, name: str, record: dict[str, Any]) -> None:
        """Stop a lobbyd and report the errors it logged."""
        ...
