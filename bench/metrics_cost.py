"""What the Prometheus metrics cost a hot path: server CPU per request, metrics on and off.

    python -m bench.metrics_cost [--rounds 3] [--duration 6] [--workers 1]

Starts `lobbyd serve` (PostgreSQL, the bench's own database) with LOBBYD_METRICS=true and
=false in turn, drives GET /hosts/{host} (its owner: the whole resource) and the same with
If-None-Match (304, the cheapest authenticated answer) with wrk, and reads the CPU time the
server's processes used from /proc. Both servers run side by side and take turns in short
bursts (the order alternating), both pinned to the same CPU (wrk to another), so load from
anything else on the machine falls on both alike. `bench.metrics_micro` measures the same
in process, where no scheduler stands between the two.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.backends import Backends
from bench.log import say
from bench.procs import Processes, children_of
from bench.servers import lobbyd_env, migrate, start_lobbyd
from bench.settings import ServerSpec
from bench.wrk import ensure_wrk

JWT_SECRET = "bench-metrics-cost-" + "k" * 32
TICKS = os.sysconf("SC_CLK_TCK")
#: The load generator runs on the first CPU, the servers on the last.
LOAD_CPU, SERVER_CPU = 0, (os.cpu_count() or 1) - 1


@dataclass
class Measured:
    """One timed run: requests answered and the server CPU they took."""

    requests: int
    cpu_s: float

    @property
    def cpu_us(self) -> float:
        """Server CPU per request, microseconds."""
        return self.cpu_s / self.requests * 1e6 if self.requests else float("nan")


def cpu_seconds(root: int) -> float:
    """User + system CPU of a process and its descendants, seconds."""
    total = 0
    for pid in [root, *children_of(root)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def pin(root: int, cpu: int) -> None:
    """Keep a server (and its workers) on one CPU: both servers then share the same core and
    its neighbours, and neither gains from where the scheduler happened to put it."""
    for pid in [root, *children_of(root)]:
        os.sched_setaffinity(pid, {cpu})


def drive(wrk: str, url: str, headers: dict[str, str], seconds: float) -> int:
    """wrk against url for `seconds`; the number of responses."""
    argv = ["taskset", "-c", str(LOAD_CPU), wrk, "-t1", "-c16", f"-d{max(1, round(seconds))}s"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    done = subprocess.run([*argv, url], capture_output=True, text=True, check=True, timeout=120)
    found = re.search(r"(\d+) requests in", done.stdout)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    if found is None or non2xx is not None:
        raise RuntimeError(f"wrk: unexpected answers\n{done.stdout}")
    return int(found.group(1))


def measure(wrk: str, pid: int, url: str, headers: dict[str, str], seconds: float) -> Measured:
    """Server CPU over one wrk run."""
    before = cpu_seconds(pid)
    requests = drive(wrk, url, headers, seconds)
    return Measured(requests, cpu_seconds(pid) - before)


@dataclass
class Target:
    """A running server, its host's URL and the headers of each scenario."""

    pid: int
    url: str
    headers: dict[str, dict[str, str]]


async def prepare(base: str, pid: int) -> Target:
    """Register and log in a host on one server; the scenarios' requests."""
    async with httpx.AsyncClient(base_url=base) as http:
        host = (await http.post("/hosts")).json()
        login = await http.get(
            f"/hosts/{host['uuid']}/access_token", auth=(host["uuid"], host["secret"])
        )
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        tag = (await http.get(f"/hosts/{host['uuid']}", headers=auth)).headers["etag"]
    return Target(
        pid,
        f"{base}/hosts/{host['uuid']}",
        {"get_host": auth, "get_host_304": {**auth, "If-None-Match": tag}},
    )


async def main() -> None:
    """Both servers run at once and take turns in short bursts, so that whatever else loads
    the machine weighs on both alike; print per-scenario CPU per request and the ratio."""
    parser = argparse.ArgumentParser(prog="python -m bench.metrics_cost", description=__doc__)
    parser.add_argument("--rounds", type=int, default=10, help="bursts per server and scenario")
    parser.add_argument("--duration", type=float, default=2.0, help="seconds of each burst")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    wrk = ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="bench-metrics-cost-"))
    (work / "logs").mkdir(parents=True)
    backends = Backends(work)
    procs = Processes(work / "logs")
    totals: dict[tuple[str, bool], Measured] = {}
    try:
        database = await backends.new_postgres("metrics_cost")
        env = lobbyd_env(database, JWT_SECRET, None, "")
        migrate(env, work / "logs" / "migrate.log")
        spec = ServerSpec("postgres", "memory", "uvicorn", args.workers)
        targets: dict[bool, Target] = {}
        for enabled in (True, False):
            label = f"metrics-{'on' if enabled else 'off'}"
            server = start_lobbyd(
                procs, spec, {**env, "LOBBYD_METRICS": str(enabled).lower()}, label
            )
            pin(server.pid, SERVER_CPU)
            targets[enabled] = await prepare(f"http://127.0.0.1:{server.port}", server.pid)
        for name in ("get_host", "get_host_304"):
            for target in targets.values():
                drive(wrk, target.url, target.headers[name], 1)  # warm-up
            for round_ in range(args.rounds):
                order = (True, False) if round_ % 2 == 0 else (False, True)
                for enabled in order:
                    target = targets[enabled]
                    run = measure(wrk, target.pid, target.url, target.headers[name], args.duration)
                    sofar = totals.get((name, enabled), Measured(0, 0.0))
                    totals[(name, enabled)] = Measured(
                        sofar.requests + run.requests, sofar.cpu_s + run.cpu_s
                    )
            say(
                f"{name}: off {totals[(name, False)].cpu_us:.0f} us, "
                f"on {totals[(name, True)].cpu_us:.0f} us CPU per request"
            )
    finally:
        procs.stop_all()
        await backends.cleanup()
    print(
        "\n| scenario | requests (off / on) | server CPU per request, metrics off | on | on / off |"
    )
    print("|---|---|---|---|---|")
    for name in ("get_host", "get_host_304"):
        off, on = totals[(name, False)], totals[(name, True)]
        print(
            f"| {name} | {off.requests} / {on.requests} | {off.cpu_us:.0f} us | "
            f"{on.cpu_us:.0f} us | {on.cpu_us / off.cpu_us:.3f} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
