"""The metrics middleware's own CPU per request, in process, without any server around it.

    python -m bench.metrics_micro [--requests 50000]

Calls a minimal ASGI app directly, bare and wrapped in lobbyd's RecordMetrics, with the route
already set as the router would, and reports the difference in CPU time per request. Run by
bench.metrics_cost in a child process with PROMETHEUS_MULTIPROC_DIR set, so the values go to
memory-mapped files exactly as under `lobbyd serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import tempfile
import time
from typing import Any

from starlette.types import Receive, Scope, Send

#: Short turns, alternating, so that a change in the machine's load weighs on both alike.
ROUNDS = 40
CALL_SAMPLE = 500


class _Route:
    path = "/hosts/{host}"


async def _inner(scope: Scope, receive: Receive, send: Send) -> None:
    scope["router"] = object()
    scope["route"] = _Route()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: dict[str, Any]) -> None:
    return None


async def _per_request(app: Any, requests: int) -> float:
    started = time.process_time()
    for _ in range(requests):
        scope = {"type": "http", "method": "GET", "path": "/hosts/x", "headers": []}
        await app(scope, _receive, _send)
    return (time.process_time() - started) / requests * 1e6


async def _app_per_request(
    app: Any, path: str, headers: list[tuple[bytes, bytes]], n: int
) -> float:
    """CPU per request of the whole app (routing, auth, the database read) answering GET path."""
    started = time.process_time()
    for _ in range(n):
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        await app(scope, _receive, _send)
    return (time.process_time() - started) / n * 1e6


async def _calls_per_request(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> float:
    """Python function calls per request: unlike CPU time, the same however loaded the
    machine is."""
    profile = cProfile.Profile()
    profile.enable()
    await _app_per_request(app, path, headers, CALL_SAMPLE)
    profile.disable()
    return pstats.Stats(profile).total_calls / CALL_SAMPLE  # type: ignore[attr-defined,no-any-return]


async def _whole_app(requests: int, database_url: str) -> None:
    import httpx

    from lobbyd.app import create_app
    from lobbyd.config import Settings

    apps = {}
    for enabled in (True, False):
        settings = Settings(
            database_url=database_url, jwt_secret="metrics-micro-" + "k" * 32, metrics=enabled
        )
        apps[enabled] = create_app(settings)
    contexts = [app.router.lifespan_context(app) for app in apps.values()]
    for context in contexts:
        await context.__aenter__()
    try:
        transport = httpx.ASGITransport(app=apps[True])
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            host = (await http.post("/hosts")).json()
            login = await http.get(
                f"/hosts/{host['uuid']}/access_token", auth=(host["uuid"], host["secret"])
            )
        auth = (b"authorization", f"Bearer {login.json()['token']}".encode())
        path = f"/hosts/{host['uuid']}"
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            tag = (await http.get(path, headers={"authorization": auth[1].decode()})).headers[
                "etag"
            ]
        for name, headers in (
            ("GET /hosts/{host}", [auth]),
            ("GET /hosts/{host} (304)", [auth, (b"if-none-match", tag.encode())]),
        ):
            times: dict[bool, list[float]] = {True: [], False: []}
            for round_ in range(ROUNDS):
                for enabled in (True, False) if round_ % 2 else (False, True):
                    times[enabled].append(
                        await _app_per_request(apps[enabled], path, headers, requests)
                    )
            off, on = statistics.fmean(times[False]), statistics.fmean(times[True])
            calls = {e: await _calls_per_request(apps[e], path, headers) for e in (False, True)}
            print(
                f"whole app, {name}: metrics off {off:.0f} us, on {on:.0f} us "
                f"CPU per request: on / off {on / off:.3f}; Python calls per request "
                f"{calls[False]:.0f} -> {calls[True]:.0f} ({calls[True] / calls[False]:.3f})"
            )
    finally:
        for context in reversed(contexts):
            await context.__aexit__(None, None, None)


async def main() -> None:
    """Print bare, wrapped and their difference, microseconds per request (median of 5)."""
    parser = argparse.ArgumentParser(prog="python -m bench.metrics_micro")
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument(
        "--database-url",
        help="also time the whole app answering GET /hosts/{host} over this migrated database",
    )
    args = parser.parse_args()
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bench-metrics-")
    from lobbyd.ops.metrics import Metrics
    from lobbyd.ops.middleware import RecordMetrics

    wrapped = RecordMetrics(_inner, Metrics(os.environ["PROMETHEUS_MULTIPROC_DIR"]))
    bare, measured = [], []
    for _ in range(5):
        bare.append(await _per_request(_inner, args.requests))
        measured.append(await _per_request(wrapped, args.requests))
    off, on = statistics.median(bare), statistics.median(measured)
    print(f"bare {off:.2f} us, with metrics {on:.2f} us, metrics cost {on - off:.2f} us/request")
    if args.database_url:
        await _whole_app(max(1, args.requests // 100), args.database_url)


if __name__ == "__main__":
    asyncio.run(main())
