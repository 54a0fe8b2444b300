"""Sync fan-out: one writer PATCHes a session's state, N WebSocket subscribers receive it.

Subscribers run in their own processes (`python -m bench.fanout`), so the orchestrator and the
writer (bench.openloop) never share a CPU-bound event loop with them. The writer puts its send
time in every patch ({"bench_t": time.time()}); each subscriber subtracts it from the arrival
time (one machine, one clock). Subscribers connect with an admin token, which the contract lets
watch any session, so no seats are needed for 100 sockets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from array import array
from collections import Counter

from bench.openloop import loop_factory

#: Latency histogram resolution, milliseconds.
BUCKET_MS = 0.05
MARK = b'"bench_t":'


class Subscriber:
    """Many sockets in one process; arrival time and send time of every patch."""

    def __init__(self) -> None:
        self.arrived = array("d")
        self.sent = array("d")
        self.other = 0
        self.closed = 0

    async def listen(self, url: str, ready: asyncio.Event, failures: list[str]) -> None:
        """One socket: wait for the snapshot, then record every patch."""
        from websockets.asyncio.client import connect

        try:
            socket = await connect(url, compression=None, max_queue=None, open_timeout=30)
            await asyncio.wait_for(socket.recv(decode=False), 30)  # the snapshot
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}"[:300])
            ready.set()
            return
        ready.set()
        try:
            while True:
                data = await socket.recv(decode=False)
                now = time.time()
                at = data.find(MARK)
                if at < 0:
                    self.other += 1
                    continue
                start = at + len(MARK)
                end = start
                while data[end] not in b",}":
                    end += 1
                self.arrived.append(now)
                self.sent.append(float(data[start:end]))
        except Exception:
            self.closed += 1

    def window(self, start: float, end: float) -> dict[str, object]:
        """Deliveries that arrived in [start, end], and latencies of patches sent in it."""
        delivered = 0
        histogram: Counter[int] = Counter()
        for arrived, sent in zip(self.arrived, self.sent, strict=True):
            if start <= arrived <= end:
                delivered += 1
            if start <= sent <= end:
                histogram[int((arrived - sent) * 1000 / BUCKET_MS)] += 1
        return {"delivered": delivered, "histogram": dict(histogram)}


async def _subscribe(url: str, count: int) -> None:
    subscriber = Subscriber()
    failures: list[str] = []
    events = [asyncio.Event() for _ in range(count)]
    tasks = [asyncio.create_task(subscriber.listen(url, e, failures)) for e in events]
    for event in events:
        await event.wait()
    print(json.dumps({"ready": count - len(failures), "failures": failures[:3]}), flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    windows = json.loads(line or "{}")
    report = {name: subscriber.window(start, end) for name, (start, end) in windows.items()}
    print(json.dumps({"windows": report, "other": subscriber.other, "closed": subscriber.closed}))
    for task in tasks:
        task.cancel()


def merge(parts: list[dict[str, object]], window: str, seconds: float) -> dict[str, float]:
    """Deliveries per second and latency percentiles of one window, over every subscriber."""
    delivered = 0
    histogram: Counter[int] = Counter()
    for part in parts:
        data = part["windows"][window]  # type: ignore[index]
        delivered += int(data["delivered"])
        histogram.update({int(k): int(v) for k, v in data["histogram"].items()})
    total = sum(histogram.values())

    def percentile(fraction: float) -> float:
        seen = 0
        for bucket in sorted(histogram):
            seen += histogram[bucket]
            if seen >= fraction * total:
                return (bucket + 1) * BUCKET_MS
        return 0.0

    return {
        "deliveries_per_s": delivered / seconds if seconds else 0.0,
        "delivered": float(delivered),
        "p50_ms": percentile(0.5),
        "p99_ms": percentile(0.99),
        "max_ms": (max(histogram) + 1) * BUCKET_MS if histogram else 0.0,
    }


def main() -> None:
    """`python -m bench.fanout URL COUNT`: hold COUNT sockets, then report windows from stdin."""
    parser = argparse.ArgumentParser(prog="python -m bench.fanout")
    parser.add_argument("url")
    parser.add_argument("count", type=int)
    args = parser.parse_args()
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(_subscribe(args.url, args.count))


if __name__ == "__main__":
    main()
