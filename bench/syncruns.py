"""Runs that need the sync store: fan-out to WebSocket subscribers, and memory per idle
session and per open socket."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from bench import openloop
from bench.fanout import merge
from bench.harness import Harness
from bench.log import say, step
from bench.procs import Proc, children_of, rss_kib
from bench.results import Measurement
from bench.scenarios.base import Target, route
from bench.settings import ServerSpec
from bench.wrk import LoadResult, from_openloop, write_requests

REPO = Path(__file__).resolve().parent.parent
FANOUT_TARGET = 50_000  # deliveries a second, the bar for 100 subscribers
PATCH_EXPECTED = frozenset({200, 204})


class Subscribers:
    """Subscriber processes holding `count` sockets to one session's sync document."""

    def __init__(self, url: str, count: int) -> None:
        per_process = [count // 2, count - count // 2] if count >= 20 else [count]
        self.popens = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.fanout", url, str(n)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=REPO,
            )
            for n in per_process
            if n
        ]

    async def ready(self) -> list[str]:
        """Wait until every socket got its snapshot; the handshake failures, if any."""
        failures: list[str] = []
        for popen in self.popens:
            assert popen.stdout is not None
            line = await asyncio.wait_for(asyncio.to_thread(popen.stdout.readline), 60)
            if not line:
                assert popen.stderr is not None
                failures.append(f"subscriber exited: {popen.stderr.read()[-300:]}")
                continue
            failures += json.loads(line)["failures"]
        return failures

    async def finish(self, windows: dict[str, tuple[float, float]]) -> list[dict[str, Any]]:
        """Tell every process the windows; their reports."""
        parts = []
        for popen in self.popens:
            out, _ = await asyncio.to_thread(popen.communicate, json.dumps(windows) + "\n", 60)
            parts.append(json.loads(out.strip().splitlines()[-1]))
        return parts

    def stop(self) -> None:
        """Kill whatever is still running."""
        for popen in self.popens:
            if popen.poll() is None:
                popen.kill()
                popen.wait()


@dataclass
class FanoutResult:
    """One fan-out measurement: saturated (closed loop) and at a fixed patch rate."""

    subscribers: int
    saturated: dict[str, float] = field(default_factory=dict)
    at_rate: dict[str, float] = field(default_factory=dict)
    writer: dict[str, LoadResult] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def unexpected(self) -> int:
        """Writer responses the scenario does not expect, and subscribers that failed."""
        wrong = sum(w.unexpected(PATCH_EXPECTED) for w in self.writer.values())
        return wrong + len(self.failures)


async def fanout(target: Target, work: Path, count: int, duration: float) -> FanoutResult:
    """Measure fan-out of state patches to `count` subscribers."""
    host = (await target.fresh_hosts(1))[0]
    [session] = await target.launch([host])
    key = session["source_of_truth_key"]
    url = f"ws://127.0.0.1:{target.port}/sync/{key}/ws?token={target.minter.admin()}"
    body = b'{"bench_t":' + openloop.TIMESTAMP_MARK + b',"n":1}'
    patch = target.request(
        "PATCH",
        f"/sync/{key}",
        token=target.minter.host(host.uuid),
        raw_body=body,
        content_type="application/merge-patch+json",
    )
    file = work / f"fanout-{count}"
    write_requests(file, [[patch]])
    result = FanoutResult(count)
    subscribers = Subscribers(url, count)
    try:
        result.failures = await subscribers.ready()
        if result.failures:
            return result
        closed = await asyncio.to_thread(
            openloop.spawn, target.port, Path(f"{file}.0.req"), 0, duration, 8
        )
        saturated = from_openloop(closed)
        rate = FANOUT_TARGET / count if count >= 100 else max(10.0, saturated.rps / 2)
        fixed = await asyncio.to_thread(
            openloop.spawn, target.port, Path(f"{file}.0.req"), rate, duration
        )
        await asyncio.sleep(0.5)  # the last patches are still on their way
        windows = {
            name: (float(str(run["started_at"])) + 0.5, float(str(run["ended_at"])))
            for name, run in (("saturated", closed), ("at_rate", fixed))
        }
        parts = await subscribers.finish(windows)
        for name, (start, end) in windows.items():
            merged = merge(parts, name, end - start)
            run = saturated if name == "saturated" else from_openloop(fixed)
            merged["patches_per_s"] = run.rps
            merged["offered_patches_per_s"] = run.offered_rps or 0.0
            getattr(result, name).update(merged)
            result.writer[name] = run
        result.failures += [f"{p['closed']} sockets closed early" for p in parts if p["closed"]]
    finally:
        subscribers.stop()
    return result


def server_rss(proc: Proc) -> int:
    """Resident memory of a server and its workers, KiB."""
    return rss_kib([proc.pid, *children_of(proc.pid)])


async def _redis_bytes(url: str, prefix: str) -> int:
    """Bytes Redis holds under the run's prefix (MEMORY USAGE of each key): immune to other
    users of the same Redis, unlike used_memory."""
    client = aioredis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.memory_usage(key)
        return sum(int(size or 0) for size in await pipe.execute())
    finally:
        await client.aclose()


async def session_memory(
    target: Target, proc: Proc, count: int, redis: tuple[str, str] | None
) -> dict[str, float]:
    """Bytes per idle session: server RSS (and the run's Redis keys) before and after launching.
    `redis` is (url, key prefix) for the Redis store."""
    hosts = await target.fresh_hosts(count)
    await target.launch(hosts[:20])  # warm the code paths and pools first
    await asyncio.sleep(0.5)
    rss_before = server_rss(proc)
    redis_before = await _redis_bytes(*redis) if redis else 0
    await target.launch(hosts[20:])
    await asyncio.sleep(1.0)
    made = count - 20
    measured = {
        "sessions": float(made),
        "server_bytes_per_session": (server_rss(proc) - rss_before) * 1024 / made,
    }
    if redis:
        measured["redis_bytes_per_session"] = (await _redis_bytes(*redis) - redis_before) / made
    return measured


async def socket_memory(target: Target, proc: Proc, count: int) -> dict[str, float]:
    """Bytes of server RSS per open, idle sync WebSocket."""
    host = (await target.fresh_hosts(1))[0]
    [session] = await target.launch([host])
    key = session["source_of_truth_key"]
    url = f"ws://127.0.0.1:{target.port}/sync/{key}/ws?token={target.minter.admin()}"
    warm = Subscribers(url, 10)
    try:
        if failures := await warm.ready():
            raise RuntimeError(f"WebSocket refused: {failures[0]}")
        await asyncio.sleep(0.5)
        before = server_rss(proc)
        held = Subscribers(url, count)
        try:
            if failures := await held.ready():
                raise RuntimeError(f"WebSocket refused: {failures[0]}")
            await asyncio.sleep(1.0)
            after = server_rss(proc)
        finally:
            held.stop()
    finally:
        warm.stop()
    return {"sockets": float(count), "server_bytes_per_socket": (after - before) * 1024 / count}


SYNC_ROUTES = (("POST", "/sessions"), ("PATCH", "/sync/{key}"))


async def run_fanout(bench: Harness, spec: ServerSpec, target: Target) -> None:
    """Sync fan-out to 1, 10 and 100 subscribers."""
    missing = [f"{m} {p}" for m, p in SYNC_ROUTES if route(m, p) not in target.routes]
    for count in bench.profile.fanout_subscribers:
        entry: dict[str, Any] = {"server": spec.name, "subscribers": count}
        bench.results.fanout.append(entry)
        if missing:
            entry["available"] = False
            entry["reason"] = "not available yet: no " + ", ".join(missing)
            say(f"fan-out to {count}: {entry['reason']}")
            continue
        with step(f"fan-out to {count} subscribers"):
            try:
                found = await fanout(target, bench.work, count, bench.profile.fanout_duration)
            except Exception as exc:
                entry["error"] = f"{type(exc).__name__}: {exc}"
                bench.fail(f"fan-out to {count}: crashed: {entry['error']}")
                continue
            entry.update(available=True, saturated=found.saturated, at_rate=found.at_rate)
            entry["failures"] = found.failures
            entry["writer"] = {
                k: asdict(Measurement.of(v, PATCH_EXPECTED)) for k, v in found.writer.items()
            }
            say(
                f"{found.saturated.get('deliveries_per_s', 0):,.0f} deliveries/s saturated; "
                f"p99 {found.at_rate.get('p99_ms', 0):.2f} ms at "
                f"{found.at_rate.get('offered_patches_per_s', 0):,.0f} patches/s"
            )
            if found.unexpected:
                bench.fail(f"fan-out to {count}: {found.failures or 'unexpected statuses'}")


async def run_memory(bench: Harness, spec: ServerSpec, target: Target, proc: Proc) -> None:
    """Memory per idle session (in this configuration's store) and per open socket."""
    entry: dict[str, Any] = {"server": spec.name, "store": spec.store}
    bench.results.memory.append(entry)
    if missing := [f"{m} {p}" for m, p in SYNC_ROUTES if route(m, p) not in target.routes]:
        entry["available"] = False
        entry["reason"] = "not available yet: no " + ", ".join(missing)
        say(f"memory ({spec.store} store): {entry['reason']}")
        return
    redis = (
        (bench.backends.redis_url, bench.backends.redis_prefix) if spec.store == "redis" else None
    )
    with step(f"memory per idle session ({spec.store} store) and per socket"):
        try:
            entry.update(await session_memory(target, proc, bench.profile.memory_sessions, redis))
            entry.update(await socket_memory(target, proc, bench.profile.memory_sockets))
            entry["available"] = True
            say(", ".join(f"{k} {v:,.0f}" for k, v in entry.items() if isinstance(v, float)))
        except Exception as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"
            bench.fail(f"memory ({spec.store}): crashed: {entry['error']}")
