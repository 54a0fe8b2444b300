"""The benchmark's CPU-per-request meter and its targets (the load runs themselves are
`make bench`, not tests)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

import asyncpg
import pytest
from bench import report
from bench.cpu import CpuMeter
from bench.results import CpuCost, Measurement, Results, ScenarioRun
from bench.signals import Relay
from bench.targets import CPU_TARGETS, evaluate

from tests.backends import postgres_database

BUSY = "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\n"


async def test_the_server_figure_counts_workers_started_during_the_run() -> None:
    """A worker born after the start (a grandchild of the server) counts all its CPU."""
    script = f"sleep 0.3; {sys.executable} -c '{BUSY}'; echo done; sleep 30"
    leader = await asyncio.create_subprocess_exec(
        "sh", "-c", script, stdout=asyncio.subprocess.PIPE, start_new_session=True
    )
    assert leader.stdout is not None
    try:
        meter = CpuMeter(leader.pid, None)
        await meter.start()
        assert await asyncio.wait_for(leader.stdout.readline(), 60) == b"done\n"
        cost = await meter.finish(requests=1_000)
    finally:
        os.killpg(leader.pid, signal.SIGKILL)  # its own group: the shell and its sleep
        await leader.wait()
    assert 0.55 <= cost.server_s < 1.5
    assert cost.server_us == pytest.approx(cost.server_s / 1_000 * 1e6, rel=0.01)
    assert cost.postgres_us is None
    assert cost.postgres_reason == "no PostgreSQL in this configuration"


async def test_the_postgres_figure_counts_the_backends_of_the_database() -> None:
    """Work done by a backend of the run's database is counted, and the monitoring
    connections are not."""
    async with postgres_database("lobbyd_test_bench") as url:
        conn = await asyncpg.connect(url)
        try:
            meter = CpuMeter(os.getpid(), url)
            await meter.start()
            started = time.monotonic()
            while time.monotonic() - started < 1.0:
                await conn.fetchval("SELECT count(*) FROM generate_series(1, 300000)")
            cost = await meter.finish(requests=10)
        finally:
            await conn.close()
    assert cost.postgres_reason is None
    assert cost.postgres_backends >= 1
    assert cost.postgres_s is not None
    assert cost.postgres_s >= 0.4
    assert cost.postgres_all_s is not None
    assert cost.postgres_all_s >= cost.postgres_s
    assert cost.postgres_us == pytest.approx(cost.postgres_s / 10 * 1e6, rel=0.01)


def _results(server_us: float | None) -> Results:
    results = Results(meta={}, servers=[{"server": "primary", "primary": True}])
    for name, _ in CPU_TARGETS:
        run = ScenarioRun("primary", name, name, True, [200])
        run.peak = Measurement(100.0, 1, 1, 1, 1, 1, 1_000, 10.0, {}, {}, 0)
        run.peak.cpu = CpuCost(1_000, 10.0, 1.0, server_us, 0.2, 200.0)
        results.runs.append(run)
    return results


@pytest.mark.parametrize(("server_us", "status"), [(299.0, "pass"), (1_201.0, "FAIL")])
def test_every_cpu_target_is_judged(server_us: float, status: str) -> None:
    rows = [r for r in evaluate(_results(server_us)) if r["target"].startswith("server CPU")]
    assert [r["target"].removeprefix("server CPU per request: ") for r in rows] == [
        name for name, _ in CPU_TARGETS
    ]
    assert {r["status"] for r in rows} == {status}
    assert all("PostgreSQL 200 us" in r["measured"] for r in rows)


def test_a_cpu_target_without_a_measurement_is_not_applicable() -> None:
    rows = evaluate(_results(None))
    assert {r["status"] for r in rows if r["target"].startswith("server CPU")} == {"n/a"}


MACHINE_KEYS = (
    "started_utc cpu cores memory_gib os kernel load_average_at_start python postgres redis "
    "wrk node lobbyd git_commit git_uncommitted_files"
)


def test_the_report_shows_cpu_per_request_beside_its_target() -> None:
    results = _results(612.0)
    results.meta = {
        "profile": "quick",
        "machine": dict.fromkeys(MACHINE_KEYS.split(), "x"),
    }
    results.targets = evaluate(results)
    text = report.render(results, [])
    header = next(line for line in text.splitlines() if line.startswith("| scenario | req/s"))
    assert "| server CPU us/req | PostgreSQL CPU us/req | server CPU target us |" in header
    assert "| login | 100 |  | 612 | 200 | <= 500 |" in text
    assert "| server CPU per request: login | <= 500 us | 612 us (PostgreSQL 200 us" in text
    assert "| server CPU per request: heartbeat | <= 400 us | 612 us" in text


def test_the_signals_figures_count_the_window_and_the_report_shows_them() -> None:
    """Signals arriving outside the counted window are not delivered in it, latencies are those
    of the signals sent in it, and the report has a row with the figures."""
    seen = Relay(sent=5)
    seen.send_times = [9.0, 10.0, 10.5, 11.0, 11.5]
    seen.arrived = [9.001, 10.002, 10.504, 11.01, 12.5]
    figures = seen.summary(10.0, 12.0)
    assert figures["delivered"] == 3  # 9.001 is before, 12.5 after
    assert figures["signals_per_s"] == pytest.approx(1.5)
    assert figures["p50_ms"] == pytest.approx(10.0)  # of 2, 4, 10 and 1000 ms
    assert figures["max_ms"] == pytest.approx(1000.0)
    assert figures["lost"] == 0
    results = _results(None)
    results.meta = {"profile": "smoke", "machine": dict.fromkeys(MACHINE_KEYS.split(), "x")}
    results.signals = [
        {"server": "pg", "replicas": 2, "available": True, "in_flight": 32, "errors": {}} | figures,
        {"server": "sqlite", "replicas": 2, "available": False, "reason": "no Redis"},
    ]
    text = report.render(results, [])
    assert "## Signals between two replicas" in text
    assert "| pg | 2 | 32 | 2 | 3 | 10.00 | 1000.00 | 1000.00 | 0 |" in text
    assert "| sqlite | 2 |  |  |  |  |  |  | no Redis |" in text
