"""The run: yardstick, peer, every lobbyd configuration and its scenarios, scaling."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import openloop, peer, profiling, scaling, signals, syncruns
from bench.backends import Backends
from bench.cpu import CpuMeter
from bench.harness import Peak
from bench.log import say, step, warn
from bench.procs import Proc, Processes, StartFailed
from bench.results import Measurement, Results, ScenarioRun, machine
from bench.scenarios import SCENARIOS, Scenario, Target
from bench.seed import Minter, Seeder
from bench.servers import lobbyd_env, migrate, routes_of, start_lobbyd, start_yardstick
from bench.settings import SYNC_RUNS, Profile, ServerSpec
from bench.wrk import LoadResult, from_openloop, http_request, run_wrk, write_requests

#: A guess of the peak rate, to size the warm-up's request list (stateful scenarios).
WARM_RATE_GUESS = 3_000
INITIAL_HOSTS = 20_000


def _us(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} us"


class Bench:
    """One benchmark run; fills `results`."""

    def __init__(
        self,
        profile: Profile,
        out: Path,
        work: Path,
        procs: Processes,
        backends: Backends,
        wrk: str,
        *,
        wrk_version: str,
        with_peer: bool = True,
        with_scaling: bool = True,
        with_profiles: bool = True,
        with_sync: bool = True,
        sync_runs: tuple[str, ...] = SYNC_RUNS,
    ) -> None:
        self.profile = profile
        self.out = out
        self.work = work
        self.procs = procs
        self.backends = backends
        self.wrk_bin = wrk
        self.with_peer = with_peer
        self.with_scaling = with_scaling
        self.with_profiles = with_profiles
        self.with_sync = with_sync
        #: Which of the runs beside the scenarios (memory, fanout, signals) the primary does.
        self.sync_runs = sync_runs if with_sync else ()
        self.jwt_secret = secrets.token_urlsafe(32)
        self.minter = Minter(self.jwt_secret)
        meta = {"profile": profile.name, "machine": machine(wrk_version)}
        meta["settings"] = {
            "warmup_s": profile.warmup,
            "duration_s": profile.duration,
            "connections": profile.connections,
            "wrk_threads": profile.wrk_threads,
            "half_rate_duration_s": profile.half_rate_duration,
        }
        self.results = Results(meta=meta)

    # -- load primitives ------------------------------------------------------------------

    def wrk(self, port: int, requests: list[bytes], duration: float, label: str) -> LoadResult:
        """wrk over the given requests (one list per wrk thread: the same list, split)."""
        threads = self.profile.wrk_threads
        per_thread = [requests[i::threads] or requests for i in range(threads)]
        prefix = self.work / "requests" / label
        write_requests(prefix, per_thread)
        return run_wrk(
            self.wrk_bin,
            f"http://127.0.0.1:{port}",
            prefix,
            threads=threads,
            connections=self.profile.connections,
            duration=duration,
        )

    async def peak(
        self, scenario: Scenario, target: Target, label: str, profile_of: Proc | None = None
    ) -> Peak:
        """Warm up (profiling the server meanwhile, if asked), then the timed closed-loop run,
        measuring the CPU the server and PostgreSQL spend on it."""
        warmup = self.profile.warmup
        recording = None
        if profile_of is not None:
            warmup = max(warmup, self.profile.profile_seconds + 1.0)
            output = self.out / "profiles" / f"{scenario.name}.speedscope.json"
            recording = profiling.record(profile_of.pid, self.profile.profile_seconds, output)
        warm_requests = await scenario.render(int(warmup * WARM_RATE_GUESS))
        warm = self.wrk(target.port, warm_requests, warmup, f"{label}-warm")
        profile = None
        if recording is not None:
            problem = recording.finish()
            profile = {"file": f"profiles/{recording.output.name}", "error": problem}
            if problem is None:
                profile.update(asdict(profiling.summarize(recording.output)))
            else:
                warn(f"profile of {scenario.name}: {problem}")
        duration = self.profile.duration
        count = int(max(warm.rps, 200) * duration * 1.5) + 200
        requests = await scenario.render(count)
        assert target.server_pid is not None
        meter = CpuMeter(target.server_pid, target.database_url)
        await meter.start()
        result = self.wrk(target.port, requests, duration, f"{label}-peak")
        cpu = await meter.finish(result.requests)
        return Peak(result, profile, cpu)

    async def at_rate(self, scenario: Scenario, port: int, rate: float, label: str) -> LoadResult:
        """The open-loop generator at a fixed rate (latency against offered load)."""
        duration = self.profile.half_rate_duration
        scenario.rate_hint = rate
        try:
            requests = await scenario.render(int(rate * duration * 1.2) + 100)
        finally:
            scenario.rate_hint = None
        prefix = self.work / "requests" / label
        write_requests(prefix, [requests])
        raw = await asyncio.to_thread(openloop.spawn, port, Path(f"{prefix}.0.req"), rate, duration)
        return from_openloop(raw)

    # -- the run --------------------------------------------------------------------------

    async def run(self) -> Results:
        """Everything the profile asks for, in order; the yardstick between the blocks."""
        self.yardstick_proc = start_yardstick(self.procs)
        try:
            await self.yardstick("start")
            if self.with_peer:
                with step("peer: Colyseus joinOrCreate"):
                    self.peer()
            for spec in self.profile.servers:
                await self.yardstick(f"before {spec.name}")
                with step(f"lobbyd {spec.name}"):
                    await self.server(spec)
            if self.with_scaling:
                await self.yardstick("before scaling")
                with step("scaling: database size, friends lists"):
                    await scaling.run(self)
            await self.yardstick("end")
        finally:
            self.procs.stop(self.yardstick_proc)
        return self.results

    @property
    def yardstick_index(self) -> int | None:
        """The latest yardstick run (the one a block of measurements is compared with)."""
        return len(self.results.yardstick) - 1 if self.results.yardstick else None

    async def yardstick(self, label: str) -> None:
        """Measure the hello-world app (kept running for the whole bench)."""
        port = self.yardstick_proc.port
        assert port is not None
        requests = [http_request("GET", "/", port)]
        self.wrk(port, requests, min(1.0, self.profile.warmup), "yardstick-warm")
        meter = CpuMeter(self.yardstick_proc.pid, None)
        await meter.start()
        result = self.wrk(port, requests, self.profile.duration, "yardstick")
        measured = Measurement.of(result, frozenset({200}), label)
        measured.cpu = await meter.finish(result.requests)
        self.results.yardstick.append(measured)
        say(
            f"yardstick ({label}): {result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, "
            f"p99 {result.p99_ms:.2f} ms, server CPU {_us(measured.cpu.server_us)}/request, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        if measured.unexpected:
            self.fail(f"yardstick: {measured.unexpected} unexpected responses")

    def peer(self) -> None:
        """Colyseus's joinOrCreate, 8 seats per room."""
        try:
            running = peer.start(self.procs)
        except peer.PeerUnavailable as exc:
            warn(f"peer unavailable: {exc}")
            self.results.peer = {"available": False, "reason": str(exc)}
            return
        try:
            port = running.proc.port
            assert port is not None
            request = http_request(
                "POST",
                running.path,
                port,
                headers={"Content-Type": "application/json"},
                body=b"{}",
            )
            self.wrk(port, [request], self.profile.warmup, "peer-warm")
            result = self.wrk(port, [request], self.profile.duration, "peer")
            measured = Measurement.of(result, frozenset({200}))
            say(f"Colyseus joinOrCreate: {result.rps:,.0f} req/s, p99 {result.p99_ms:.2f} ms")
            self.results.peer = {
                "yardstick_index": self.yardstick_index,
                "available": True,
                "versions": running.versions,
                "route": f"POST {running.path}",
                "measurement": asdict(measured),
            }
            if measured.unexpected:
                warn(f"peer: {measured.unexpected} unexpected responses")
        finally:
            self.procs.stop(running.proc)

    def fail(self, message: str) -> None:
        """Record a failure (the run goes on; the exit status will say it failed)."""
        warn(message)
        self.results.failures.append(message)

    async def database(self, spec: ServerSpec, label: str) -> tuple[str, dict[str, str]]:
        """A fresh database for a configuration, migrated; its URL and lobbyd's environment."""
        if spec.database == "postgres":
            if problem := await self.backends.postgres_ok():
                raise StartFailed(problem)
            url = await self.backends.new_postgres(label)
        else:
            url = self.backends.new_sqlite(label)
        redis_url = None
        if spec.store == "redis":
            if problem := await self.backends.redis_ok():
                raise StartFailed(problem)
            redis_url = self.backends.redis_url
            self.backends.redis_used = True
        env = lobbyd_env(url, self.jwt_secret, redis_url, self.backends.redis_prefix)
        self.procs.log_dir.mkdir(parents=True, exist_ok=True)
        migrate(env, self.procs.log_dir / f"migrate-{label}.log")
        return url, env

    async def start(
        self, spec: ServerSpec, url: str, env: dict[str, str], label: str | None = None
    ) -> tuple[Proc, Target]:
        """Start lobbyd (its log: logs/lobbyd-<label>.log)."""
        proc = start_lobbyd(self.procs, spec, env, label)
        assert proc.port is not None
        target = Target(spec, proc.port, url, routes_of(proc), self.minter, Seeder(url))
        target.server_pid = proc.pid
        target.live_sessions = self.profile.heartbeat_sessions
        return proc, target

    async def check_tokens(self, target: Target, proc: Proc) -> None:
        """The bench mints tokens with lobbyd's key; make sure lobbyd takes them."""
        host = (await target.fresh_hosts(1))[0]
        async with target.client() as client:
            reply = await client.get(
                f"/hosts/{host.uuid}",
                headers={"Authorization": f"Bearer {self.minter.host(host.uuid)}"},
            )
        if reply.status_code != 200:
            raise StartFailed(
                f"lobbyd refused a token minted by the bench: {reply.status_code} "
                f"{reply.text[:200]}\n{proc.log_tail()}"
            )

    async def server(self, spec: ServerSpec) -> None:
        """One configuration: every scenario it lists, then fan-out and memory."""
        record: dict[str, Any] = {"server": spec.name, "primary": spec.primary, "started": False}
        self.results.servers.append(record)
        try:
            url, env = await self.database(spec, spec.slug.replace("-", "_").replace(".", ""))
            await Seeder(url).hosts(INITIAL_HOSTS)  # warm pool; scenarios seed more on demand
            proc, target = await self.start(spec, url, env)
            await self.check_tokens(target, proc)
        except Exception as exc:  # no database, no Redis, a broken lobbyd: report, go on
            record["reason"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
            self.fail(f"{spec.name}: could not start: {type(exc).__name__}: {exc}")
            return
        record["started"] = True
        record["routes"] = len(target.routes)
        try:
            # Memory first, on a fresh process: later runs leave freed memory behind that new
            # sessions and sockets would reuse without growing the RSS.
            memory = spec.primary or (spec.database == "sqlite" and spec.server == "uvicorn")
            if memory and "memory" in self.sync_runs:
                await syncruns.run_memory(self, spec, target, proc)
            for name in spec.scenarios:
                await self.scenario(spec, target, proc, SCENARIOS[name])
            if spec.primary and "fanout" in self.sync_runs:
                await syncruns.run_fanout(self, spec, target)
            if spec.primary and "signals" in self.sync_runs:
                await signals.run_signals(self, spec, target, env)
        finally:
            self.backends.sync_keys |= target.sync_keys
            self.stop(proc, spec.name, record)

    def stop(self, proc: Proc, name: str, record: dict[str, Any]) -> None:
        """Stop a lobbyd and report the unhandled errors it logged (also after the timed runs,
        e.g. requests still in flight at shutdown)."""
        time.sleep(1.5)  # let requests still queued from the last run finish before SIGTERM
        self.procs.stop(proc)
        problems = proc.log_problems()
        record["log"] = f"logs/{proc.log_path.name}"
        record["log_errors"] = problems
        if problems.get("unhandled") or problems.get("tracebacks"):
            kinds = "; ".join(f"{k['count']}x {k['error']}" for k in problems["kinds"])
            self.fail(
                f"{name}: lobbyd logged {problems['unhandled']} unhandled errors "
                f"({record['log']}): {kinds}"
            )

    async def scenario(
        self, spec: ServerSpec, target: Target, proc: Proc, cls: type[Scenario]
    ) -> None:
        """Peak, half-rate latency, load curve and profile of one scenario."""
        run = ScenarioRun(spec.name, cls.name, cls.title, cls.hot, sorted(cls.expected))
        run.yardstick_index = self.yardstick_index
        self.results.runs.append(run)
        if missing := cls.missing(target.routes):
            run.available, run.reason = False, "not available yet: no " + ", ".join(missing)
            say(f"{cls.name}: {run.reason}")
            return
        label = f"{spec.slug}-{cls.name}"
        with step(cls.name):
            try:
                scenario = cls(target)
                await scenario.prepare()
                profile_of = proc if spec.primary and self.with_profiles else None
                peak = await self.peak(scenario, target, label, profile_of)
                result, run.profile = peak.result, peak.profile
                run.peak = Measurement.of(result, cls.expected, "peak")
                run.peak.cpu = peak.cpu
                run.load_average = round(os.getloadavg()[0], 2)
                say(
                    f"peak {result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, "
                    f"p99 {result.p99_ms:.2f} ms, statuses {dict(result.statuses)}; CPU per "
                    f"request: server {_us(peak.cpu.server_us)}, "
                    f"PostgreSQL {_us(peak.cpu.postgres_us)}"
                )
                if spec.primary:
                    await self.latency_curve(scenario, target, run, result.rps, label)
            except Exception as exc:  # one scenario's crash must not stop the run
                run.error = f"{type(exc).__name__}: {exc}"
                self.fail(f"{spec.name} {cls.name}: crashed: {run.error}")
                traceback.print_exc()
                return
        if run.unexpected:
            seen = [
                f"{m.label or 'run'} {m.statuses} {m.socket_errors or ''}".strip()
                for m in (run.peak, *run.curve)
                if m is not None and m.unexpected
            ]
            self.fail(
                f"{spec.name} {cls.name}: {run.unexpected} unexpected responses "
                f"(expected {run.expected}): {'; '.join(seen)}"
            )

    async def latency_curve(
        self, scenario: Scenario, target: Target, run: ScenarioRun, peak: float, label: str
    ) -> None:
        """p50/p99 at half the peak rate, and at more fractions for the load curve."""
        fractions = [0.5]
        if run.scenario in self.profile.load_curve_scenarios:
            fractions = sorted(set(self.profile.load_fractions) | {0.5})
        for fraction in fractions:
            rate = max(10.0, peak * fraction)
            result = await self.at_rate(scenario, target.port, rate, f"{label}-{fraction}")
            measured = Measurement.of(
                result, scenario.expected, f"{fraction:.0%} of peak", saturating=fraction > 0.5
            )
            run.curve.append(measured)
            if fraction == 0.5:
                run.half = measured
            overload = f"; {measured.overload:,} lost to overload" if measured.overload else ""
            say(
                f"at {fraction:.0%} of peak ({rate:,.0f}/s): p50 {result.p50_ms:.2f} ms, "
                f"p99 {result.p99_ms:.2f} ms{overload}"
            )
