"""Signals between two replicas: a host's socket on replica A signals its guest, whose socket is
on replica B (the signal goes through Redis pub/sub), for the run's duration.

The sender keeps at most `window` signals in flight (sent, not yet received), so the figure is
what the relay sustains rather than how deep the queues grow; each signal carries its send time
({"t": time.time()}, one machine, one clock), which the receiver subtracts from its arrival.
Both sockets live in the orchestrator's event loop, which has nothing else to do meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from bench.harness import Harness
from bench.log import say, step
from bench.scenarios.base import Target, route
from bench.settings import ServerSpec

#: Signals in flight at most (sent by A, not yet received on B), one measurement each: one at a
#: time gives the latency of a lone signal; 32 what the relay sustains (its latency is mostly
#: the wait behind the 31 others).
WINDOWS = (1, 32)
#: The first part of the run warms the sockets and pub/sub up and is not counted.
WARM_FRACTION = 0.2
#: A permit not given back in this long (a lost signal) is taken anyway, and counted.
STALL_S = 1.0
SIGNAL_ROUTES = (("POST", "/sessions"), ("POST", "/sessions/players"))


@dataclass
class Relay:
    """What the two sockets saw."""

    sent: int = 0
    stalls: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    arrived: list[float] = field(default_factory=list)
    send_times: list[float] = field(default_factory=list)
    closed: str = ""

    def summary(self, start: float, end: float) -> dict[str, float]:
        """Signals delivered per second in [start, end], and latency of the ones sent in it."""
        delivered = sum(1 for a in self.arrived if start <= a <= end)
        latencies = sorted(
            (a - s) * 1000
            for a, s in zip(self.arrived, self.send_times, strict=True)
            if start <= s <= end
        )

        def percentile(fraction: float) -> float:
            if not latencies:
                return 0.0
            return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))]

        seconds = end - start
        return {
            "signals_per_s": delivered / seconds if seconds > 0 else 0.0,
            "delivered": float(delivered),
            "sent": float(self.sent),
            "lost": float(max(0, self.sent - len(self.arrived))),
            "p50_ms": percentile(0.5),
            "p99_ms": percentile(0.99),
            "max_ms": latencies[-1] if latencies else 0.0,
            "window_s": seconds,
        }


async def relay(
    url_a: str, url_b: str, to: str, duration: float, window: int
) -> tuple[Relay, float, float]:
    """Send signals on `url_a` to `to` (at most `window` in flight), receive them on `url_b`, for
    `duration` seconds; what was seen and the counted window (epoch seconds)."""
    from websockets.asyncio.client import connect

    seen = Relay()
    permits = asyncio.Semaphore(window)
    sender = await connect(url_a, compression=None, max_queue=None, open_timeout=30)
    receiver = await connect(url_b, compression=None, max_queue=None, open_timeout=30)
    try:
        await asyncio.wait_for(sender.recv(), 30)  # the snapshots
        await asyncio.wait_for(receiver.recv(), 30)

        async def receive() -> None:
            try:
                async for raw in receiver:
                    now = time.time()
                    message = json.loads(raw)
                    if message.get("type") != "signal":
                        continue
                    seen.arrived.append(now)
                    seen.send_times.append(float(message["data"]["t"]))
                    permits.release()
            except Exception as exc:
                seen.closed = f"receiver: {type(exc).__name__}: {exc}"[:300]

        async def errors() -> None:
            try:
                async for raw in sender:
                    message = json.loads(raw)
                    if message.get("type") == "error":
                        code = str(message.get("code"))
                        seen.errors[code] = seen.errors.get(code, 0) + 1
                        permits.release()  # that signal will never arrive
            except Exception as exc:
                seen.closed = f"sender: {type(exc).__name__}: {exc}"[:300]

        tasks = [asyncio.create_task(receive()), asyncio.create_task(errors())]
        started = time.time()
        deadline = started + duration
        while time.time() < deadline and not seen.closed:
            try:
                await asyncio.wait_for(permits.acquire(), STALL_S)
            except TimeoutError:
                seen.stalls += 1
            body = {"type": "signal", "to": to, "data": {"t": time.time()}}
            await sender.send(json.dumps(body, separators=(",", ":")))
            seen.sent += 1
        ended = time.time()
        # The last signals are still on their way: every permit back means none is in flight.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2.0):
                for _ in range(window):
                    await permits.acquire()
        for task in tasks:
            task.cancel()
    finally:
        await sender.close()
        await receiver.close()
    return seen, started + duration * WARM_FRACTION, ended


async def signals(
    target_a: Target, target_b: Target, duration: float, window: int
) -> dict[str, Any]:
    """Launch a session on A with a registered guest, then measure the relay from A to B."""
    host, guest = await target_a.fresh_hosts(2)
    [session] = await target_a.launch([host])
    async with target_a.client() as client:
        reply = await client.post(
            "/sessions/players",
            json={"host": host.uuid, "guest": guest.uuid},
            headers={"Authorization": f"Bearer {target_a.minter.host(guest.uuid)}"},
        )
    if reply.status_code != 200:
        raise RuntimeError(f"join: {reply.status_code} {reply.text[:200]}")
    key = session["source_of_truth_key"]
    url_a = f"ws://127.0.0.1:{target_a.port}/sync/{key}/ws?token={target_a.minter.host(host.uuid)}"
    url_b = f"ws://127.0.0.1:{target_b.port}/sync/{key}/ws?token={target_b.minter.host(guest.uuid)}"
    seen, start, end = await relay(url_a, url_b, guest.uuid, duration, window)
    measured: dict[str, Any] = dict(seen.summary(start, end))
    measured.update(in_flight=window, stalls=seen.stalls, errors=seen.errors)
    if seen.closed:
        measured["closed"] = seen.closed
    return measured


async def run_signals(
    bench: Harness, spec: ServerSpec, target: Target, env: dict[str, str]
) -> None:
    """Signals relayed per second from a socket on replica A (the running server) to one on
    replica B (a second lobbyd on the same database and Redis), one entry per window."""
    entries: list[dict[str, Any]] = []
    for window in WINDOWS:
        entry: dict[str, Any] = {"server": spec.name, "replicas": 2, "in_flight": window}
        bench.results.signals.append(entry)
        entries.append(entry)
    missing = [f"{m} {p}" for m, p in SIGNAL_ROUTES if route(m, p) not in target.routes]
    if spec.store != "redis":
        missing.append("Redis (one process relays nothing between replicas)")
    if missing:
        for entry in entries:
            entry["available"] = False
            entry["reason"] = "not available: no " + ", ".join(missing)
        say(f"signals: {entries[0]['reason']}")
        return
    with step("signals between two replicas"):
        replica: dict[str, Any] = {}
        try:
            proc_b, target_b = await bench.start(spec, target.database_url, env, f"{spec.slug}-b")
        except Exception as exc:
            for entry in entries:
                entry["error"] = f"replica B did not start: {type(exc).__name__}: {exc}"
            bench.fail(f"signals: {entries[0]['error']}")
            return
        try:
            for entry in entries:
                await _measure(bench, entry, target, target_b)
        finally:
            target.sync_keys |= target_b.sync_keys
            bench.stop(proc_b, f"{spec.name} replica B", replica)
            entries[0]["replica_b"] = replica


async def _measure(bench: Harness, entry: dict[str, Any], a: Target, b: Target) -> None:
    window = int(entry["in_flight"])
    try:
        entry.update(await signals(a, b, bench.profile.signals_duration, window))
    except Exception as exc:
        entry["error"] = f"{type(exc).__name__}: {exc}"
        bench.fail(f"signals, {window} in flight: crashed: {entry['error']}")
        return
    entry["available"] = True
    say(
        f"{window} in flight: {entry['signals_per_s']:,.0f} signals/s from replica A to B, "
        f"p50 {entry['p50_ms']:.2f} ms, p99 {entry['p99_ms']:.2f} ms"
    )
    if entry["errors"] or entry.get("closed") or not entry["delivered"]:
        bench.fail(
            f"signals, {window} in flight: errors {entry['errors']}, "
            f"{entry.get('closed', '')}, {entry['delivered']:.0f} delivered"
        )
