"""Scaling: join, query, login and GET host with 10^3..10^6 hosts (and sessions) in the
database; befriend, GET host and join with friends lists of 10..10,000."""

from __future__ import annotations

from typing import Any

from bench.harness import Harness
from bench.log import say, step
from bench.results import Measurement
from bench.scenarios import SCENARIOS, Scenario, Target
from bench.scenarios.hosts import Befriend, GetHost
from bench.scenarios.sessions import JoinLeave
from bench.seed import HostCred, Seeder
from bench.settings import ServerSpec

SPEC = ServerSpec("postgres", "redis", "uvicorn", 2)
SEED_BATCH = 200_000
#: Seeded hosts kept free of sessions, for the scenarios to use as guests and new hosts.
SAMPLE = 20_000


def _us(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} us"


async def list_hosts(target: Target, size: int) -> list[HostCred]:
    """Hosts that each have `size` friends (seeded straight into the database once)."""
    key = f"list-{size}"
    if key not in target.pools:
        hosts = await target.seeder.hosts(min(1_000, max(20, 20_000 // size)))
        fillers = await target.pool(f"fillers-{size}", size)
        await target.seeder.friends((h.uuid, f.uuid) for h in hosts for f in fillers)
        await target.seeder.analyze()
        target.pools[key] = hosts
    return target.pools[key]


class BefriendWithList(Befriend):
    """befriend by hosts that already have `size` friends."""

    def __init__(self, target: Target, size: int) -> None:
        super().__init__(target)
        self.size = size

    async def prepare(self) -> None:
        """Hosts with long lists; new friends to add."""
        self.hosts = await list_hosts(self.target, self.size)
        self.friends = await self.target.fresh_hosts(2_000)
        self.next_pair = 0


class GetHostWithList(GetHost):
    """GET own host for hosts that have `size` friends."""

    def __init__(self, target: Target, size: int) -> None:
        super().__init__(target)
        self.size = size

    async def prepare(self) -> None:
        """The hosts with long lists."""
        self.hosts = await list_hosts(self.target, self.size)


async def _measure(
    bench: Harness,
    target: Target,
    scenario: Scenario,
    label: str,
    entry: dict[str, Any],
    rates: dict[str, float] | None = None,
) -> None:
    """Peak (closed loop); with `rates`, also p50/p99 at one fixed rate shared by every size
    (half the peak at the first size), since p99 at saturation mostly measures queueing."""
    missing = scenario.missing(target.routes)
    if missing:
        entry.update(available=False, reason="not available yet: no " + ", ".join(missing))
        say(f"{entry['scenario']}: {entry['reason']}")
        return
    try:
        await scenario.prepare()
        peak = await bench.peak(scenario, target, label)
        result = peak.result
    except Exception as exc:
        entry["error"] = f"{type(exc).__name__}: {exc}"
        bench.fail(f"scaling {label}: crashed: {entry['error']}")
        return
    measured = Measurement.of(result, scenario.expected, "peak")
    entry.update(available=True, rps=measured.rps, p50_ms=measured.p50_ms)
    entry.update(p99_ms=measured.p99_ms, unexpected=measured.unexpected)
    entry["statuses"] = {"peak": measured.statuses, "socket_errors": measured.socket_errors}
    entry.update(server_cpu_us=peak.cpu.server_us, postgres_cpu_us=peak.cpu.postgres_us)
    say(
        f"{label}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, "
        f"p99 {result.p99_ms:.2f} ms; CPU per request: server {_us(peak.cpu.server_us)}, "
        f"PostgreSQL {_us(peak.cpu.postgres_us)}"
    )
    if rates is not None:
        rate = rates.setdefault(scenario.name, max(10.0, result.rps / 2))
        run = await bench.at_rate(scenario, target.port, rate, f"{label}-fixed")
        fixed = Measurement.of(run, scenario.expected, "fixed rate")
        entry.update(fixed_rate=round(rate, 1), p50_fixed_ms=fixed.p50_ms)
        entry.update(p99_fixed_ms=fixed.p99_ms)
        entry["unexpected"] += fixed.unexpected
        entry["statuses"]["fixed"] = fixed.statuses
        entry["statuses"]["fixed_socket_errors"] = fixed.socket_errors
        say(f"{label} at {rate:,.0f}/s: p50 {fixed.p50_ms:.2f} ms, p99 {fixed.p99_ms:.2f} ms")
    if entry["unexpected"]:
        bench.fail(
            f"scaling {label}: {entry['unexpected']} unexpected responses {entry['statuses']}"
        )


async def _hosts_in_db(target: Target) -> int:
    import asyncpg

    conn = await asyncpg.connect(target.database_url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM hosts"))
    finally:
        await conn.close()


async def run(bench: Harness) -> None:
    """Grow one PostgreSQL database through the sizes, measuring at each."""
    profile = bench.profile
    url, env = await bench.database(SPEC, "scale")
    seeder = Seeder(url)
    seeded = 0
    sample: list[HostCred] = []
    rates: dict[str, float] = {}
    for size in sorted(profile.scaling_sizes):
        with step(f"{size:,} hosts"):
            while seeded < size:
                batch = await seeder.hosts(min(SEED_BATCH, size - seeded))
                seeded += len(batch)
                sample = batch[-SAMPLE:]
                # Every seeded host but the sample runs a session, so sessions, members and
                # keywords grow with the hosts; the sample stays free, as the scenarios hand
                # its hosts out as guests and hosts of their own sessions.
                await seeder.sessions(batch[: len(batch) - len(sample)])
            await seeder.analyze()
            proc, target = await bench.start(SPEC, url, env, f"scale-{size}")
            target.seeded, target.handed_out, target.seed_chunk = list(sample), 0, 1
            target.read_pool, target.write_pool = 200, 100
            try:
                for name in profile.scaling_scenarios:
                    entry: dict[str, Any] = {"size": size, "scenario": name}
                    entry["yardstick_index"] = bench.yardstick_index
                    bench.results.scaling.append(entry)
                    scenario = SCENARIOS[name](target)
                    label = f"scale-{size}-{name}"
                    await _measure(bench, target, scenario, label, entry, rates)
                    entry["hosts_in_db"] = await _hosts_in_db(target)
                if size == max(profile.scaling_sizes):
                    await friends(bench, target)
            finally:
                bench.backends.sync_keys |= target.sync_keys
                record: dict[str, Any] = {"server": f"scaling {size:,} hosts", "started": True}
                bench.results.servers.append(record)
                bench.stop(proc, f"scaling {size:,} hosts", record)


async def friends(bench: Harness, target: Target) -> None:
    """befriend, GET own host and join where the host has N friends."""
    for size in bench.profile.friends_sizes:
        with step(f"friends lists of {size:,}"):
            for scenario in (
                BefriendWithList(target, size),
                GetHostWithList(target, size),
                JoinLeave(target, friends=size),
            ):
                entry: dict[str, Any] = {"friends": size, "scenario": scenario.name}
                entry["yardstick_index"] = bench.yardstick_index
                bench.results.friends.append(entry)
                await _measure(bench, target, scenario, f"friends-{size}-{scenario.name}", entry)
