"""An open-loop, fixed-rate HTTP generator (wrk has no rate control; this stands in for wrk2).

Request i is due at start + i / rate whatever happened before it, and its latency is measured
from that due time, so a slow server cannot slow the generator down and hide its own queueing
(no coordinated omission). Requests come from the same pre-rendered files wrk replays.

Run as `python -m bench.openloop PORT FILE RATE DURATION`; prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import cast

#: A 17-byte placeholder in a request body, replaced by the send time (time.time(), 17 chars).
TIMESTAMP_MARK = b"@@@@@@@@@@@@@@@@@"
HEADER_END = b"\r\n\r\n"


def read_requests(path: Path) -> list[bytes]:
    """The records of one .req file."""
    data = path.read_bytes()
    found: list[bytes] = []
    pos = 0
    while pos < len(data):
        newline = data.index(b"\n", pos)
        length = int(data[pos:newline])
        found.append(data[newline + 1 : newline + 1 + length])
        pos = newline + 1 + length
    return found


class Generator:
    """Schedules requests on a pool of keep-alive connections."""

    def __init__(self, port: int, max_connections: int) -> None:
        self.port = port
        self.max_connections = max_connections
        self.idle: deque[Connection] = deque()
        self.backlog: deque[tuple[bytes, float]] = deque()
        self.open = 0
        self.latencies: list[float] = []
        self.lags: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors: dict[str, int] = {}
        self.in_flight = 0
        #: Closed-loop mode: the next request for a connection that just got its answer.
        self.feed: Callable[[], bytes | None] | None = None

    async def connect(self) -> Connection:
        """Open one more connection."""
        self.open += 1
        loop = asyncio.get_running_loop()
        try:
            _, conn = await loop.create_connection(lambda: Connection(self), "127.0.0.1", self.port)
        except OSError:
            self.open -= 1
            self.errors["connect"] = self.errors.get("connect", 0) + 1
            raise
        return conn

    def dispatch(self, raw: bytes, due: float) -> None:
        """Send now on an idle connection, open one, or queue (latency counts from `due`)."""
        self.in_flight += 1
        if self.idle:
            self.idle.pop().send(raw, due)
        elif self.open < self.max_connections:
            asyncio.get_running_loop().create_task(self._send_on_new(raw, due))
        else:
            self.backlog.append((raw, due))

    async def _send_on_new(self, raw: bytes, due: float) -> None:
        try:
            conn = await self.connect()
        except OSError:
            self.in_flight -= 1
            return
        conn.send(raw, due)

    def finished(self, conn: Connection, status: int | None, due: float) -> None:
        """A response arrived (status) or the connection failed (None)."""
        self.in_flight -= 1
        if status is None:
            self.errors["read"] = self.errors.get("read", 0) + 1
        else:
            self.latencies.append(time.perf_counter() - due)
            self.statuses[status] = self.statuses.get(status, 0) + 1
        if conn.alive:
            if self.backlog:
                conn.send(*self.backlog.popleft())
            elif self.feed is not None and (raw := self.feed()) is not None:
                self.in_flight += 1
                conn.send(raw, time.perf_counter())
            else:
                self.idle.append(conn)
        elif self.backlog:
            asyncio.get_running_loop().create_task(self._send_on_new(*self.backlog.popleft()))


class Connection(asyncio.Protocol):
    """One keep-alive connection, one request at a time."""

    def __init__(self, generator: Generator) -> None:
        self.generator = generator
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.due = 0.0
        self.busy = False
        self.alive = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def send(self, raw: bytes, due: float) -> None:
        """Write one request."""
        assert self.transport is not None
        if TIMESTAMP_MARK in raw:
            raw = raw.replace(TIMESTAMP_MARK, f"{time.time():17.6f}".encode())
        self.due, self.busy = due, True
        self.generator.lags.append(time.perf_counter() - due)
        self.transport.write(raw)

    def data_received(self, data: bytes) -> None:
        """Parse as much of the response as has arrived."""
        self.buffer += data
        end = self.buffer.find(HEADER_END)
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        status = int(self.buffer[9:12])
        body_start = end + 4
        if status in (204, 304) or 100 <= status < 200:
            total = body_start
        elif b"transfer-encoding: chunked" in head:
            last = self.buffer.find(b"0\r\n\r\n", body_start)
            if last < 0:
                return
            total = last + 5
        else:
            at = head.find(b"content-length:")
            length = int(head[at + 15 : head.find(b"\r\n", at)]) if at >= 0 else 0
            total = body_start + length
        if len(self.buffer) < total:
            return
        del self.buffer[:total]
        self.busy = False
        if b"connection: close" in head:
            self.alive = False
        self.generator.finished(self, status, self.due)

    def connection_lost(self, exc: Exception | None) -> None:
        """The server closed the connection."""
        self.alive = False
        self.generator.open -= 1
        if self in self.generator.idle:
            self.generator.idle.remove(self)
        if self.busy:
            self.busy = False
            self.generator.finished(self, None, self.due)


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(
    port: int, requests: list[bytes], rate: float, duration: float, max_connections: int
) -> dict[str, object]:
    """Send `rate` requests a second for `duration` seconds; the measurements. With rate 0,
    closed loop instead: `max_connections` connections, each sending as soon as answered."""
    generator = Generator(port, max_connections)
    closed = rate <= 0
    for _ in range(max_connections if closed else min(max_connections, 8 + int(rate / 200))):
        generator.idle.append(await generator.connect())
    started_at = time.time()
    start = time.perf_counter() + 0.02
    total = 0
    if closed:
        stop = start + duration
        counter = iter(range(1 << 62))

        def feed() -> bytes | None:
            nonlocal total
            if time.perf_counter() >= stop:
                return None
            total += 1
            return requests[next(counter) % len(requests)]

        generator.feed = feed
        while generator.idle and (raw := feed()) is not None:
            generator.dispatch(raw, time.perf_counter())
        await asyncio.sleep(max(0.0, stop - time.perf_counter()))
    else:
        total = int(rate * duration)
        for index in range(total):
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0.0005:
                await asyncio.sleep(delay)
            generator.dispatch(requests[index % len(requests)], due)
    ended_at = time.time()
    deadline = time.perf_counter() + 5.0
    while generator.in_flight and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - start
    if generator.in_flight:
        generator.errors["timeout"] = generator.in_flight
    ordered = sorted(generator.latencies)
    lags = sorted(generator.lags)
    return {
        "offered_rps": rate if not closed else None,
        "started_at": started_at,
        "ended_at": ended_at,
        "sent": total,
        "completed": len(ordered),
        "duration_s": elapsed,
        "statuses": generator.statuses,
        "errors": generator.errors,
        "connections": generator.open,
        "latency_ms": {
            name: round(_percentile(ordered, q) * 1000, 3)
            for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999))
        }
        | {"max": round(ordered[-1] * 1000, 3) if ordered else 0.0},
        "send_lag_ms_p99": round(_percentile(lags, 0.99) * 1000, 3),
    }


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """uvloop's event loop when installed (the bench extra has it), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def main() -> None:
    """Command line: PORT FILE RATE DURATION [--connections N]."""
    parser = argparse.ArgumentParser(prog="python -m bench.openloop")
    parser.add_argument("port", type=int)
    parser.add_argument("file", type=Path)
    parser.add_argument("rate", type=float)
    parser.add_argument("duration", type=float)
    parser.add_argument("--connections", type=int, default=256)
    args = parser.parse_args()
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        result = runner.run(
            run(args.port, read_requests(args.file), args.rate, args.duration, args.connections)
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()


def spawn(
    port: int, file: Path, rate: float, duration: float, connections: int = 256
) -> dict[str, object]:
    """Run the generator in its own process (off the orchestrator's CPU); its measurements.
    rate 0 means closed loop over `connections` connections."""
    import subprocess
    import sys

    argv = [sys.executable, "-m", "bench.openloop", str(port), str(file), str(rate)]
    argv += [str(duration), "--connections", str(connections)]
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode != 0:
        raise RuntimeError(f"open-loop generator failed: {done.stderr[-600:]}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
