"""The targets, judged on the primary configuration (PostgreSQL + Redis, uvicorn, 2 workers):
server CPU per request (the figure that carries across machines, PostgreSQL's beside it), ratios
to the yardstick measured in the same run, latency. They are the bar to beat, not assertions."""

from __future__ import annotations

from typing import Any

from bench.results import Results, ScenarioRun

RATIO_TARGETS = (
    ("register", 0.37),
    ("login", 0.59),
    ("befriend", 0.22),
    ("ban", 0.26),
    ("get_host", 0.6),
    ("get_host_304", 0.8),
)
#: Server CPU per request (lobbyd's process tree, CPU seconds / requests), microseconds.
CPU_TARGETS = (
    ("login", 500),
    ("get_host", 450),
    ("get_host_304", 300),
    ("register", 800),
    ("befriend", 1_000),
    ("ban", 1_000),
    ("launch", 1_200),
    ("join_leave", 1_200),
    ("heartbeat", 400),
)
CPU_NOTES = {
    "join_leave": "the target is a join's; this scenario is half joins, half leaves",
}
HALF_RATE_P99_MS = 10.0
FANOUT_SUBSCRIBERS = 100
FANOUT_RATE = 50_000
FANOUT_P99_MS = 20.0
SCALE_P99_FACTOR = 1.3
NOT_YET = "not available yet"


def _row(target: str, bar: str, measured: str, status: str, note: str = "") -> dict[str, Any]:
    return {"target": target, "bar": bar, "measured": measured, "status": status, "note": note}


def _primary_runs(results: Results) -> dict[str, ScenarioRun]:
    primary = next((s["server"] for s in results.servers if s.get("primary")), None)
    return {r.scenario: r for r in results.runs if r.server == primary}


def _na(run: ScenarioRun | None) -> str:
    if run is None:
        return "not measured"
    if not run.available:
        return NOT_YET
    return run.error or "not measured"


def evaluate(results: Results) -> list[dict[str, Any]]:
    """One row per target: the bar, what was measured, pass / FAIL / n/a."""
    runs = _primary_runs(results)
    rows = [_cpu(name, bar, runs.get(name)) for name, bar in CPU_TARGETS]
    for name, bar in RATIO_TARGETS:
        run = runs.get(name)
        if run is None or run.peak is None or run.ratio is None:
            rows.append(_row(f"{name} ratio", f">= {bar}", _na(run), "n/a"))
            continue
        ok = run.ratio >= bar
        measured = f"{run.ratio:.2f} ({run.peak.rps:,.0f} req/s)"
        rows.append(_row(f"{name} ratio", f">= {bar}", measured, "pass" if ok else "FAIL"))
    rows.append(_join_vs_peer(results, runs.get("join_leave")))
    for run in runs.values():
        if not run.hot:
            continue
        label = f"p99 at half peak: {run.scenario}"
        if run.half is None:
            rows.append(_row(label, f"<= {HALF_RATE_P99_MS:g} ms", _na(run), "n/a"))
            continue
        ok = run.half.p99_ms <= HALF_RATE_P99_MS and not run.half.unexpected
        measured = f"{run.half.p99_ms:.2f} ms at {run.half.offered_rps or 0:,.0f}/s"
        rows.append(_row(label, f"<= {HALF_RATE_P99_MS:g} ms", measured, "pass" if ok else "FAIL"))
    rows.append(_fanout(results))
    rows += _scaling(results)
    return rows


def _cpu(name: str, bar: int, run: ScenarioRun | None) -> dict[str, Any]:
    """Server CPU per request against its bar; PostgreSQL's CPU per request beside it."""
    label, bar_text = f"server CPU per request: {name}", f"<= {bar:,} us"
    note = CPU_NOTES.get(name, "")
    cpu = run.peak.cpu if run is not None and run.peak is not None else None
    if cpu is None or cpu.server_us is None:
        return _row(label, bar_text, _na(run), "n/a", note)
    postgres = (
        f"PostgreSQL {cpu.postgres_us:,.0f} us"
        if cpu.postgres_us is not None
        else f"PostgreSQL n/a: {cpu.postgres_reason}"
    )
    measured = f"{cpu.server_us:,.0f} us ({postgres}; {cpu.requests:,} requests)"
    return _row(label, bar_text, measured, "pass" if cpu.server_us <= bar else "FAIL", note)


def _join_vs_peer(results: Results, run: ScenarioRun | None) -> dict[str, Any]:
    label, bar = "join vs Colyseus joinOrCreate", ">= 2x"
    peer = results.peer.get("measurement") if results.peer.get("available") else None
    if run is None or run.peak is None:
        peer_text = f"; Colyseus {peer['rps']:,.0f}/s" if peer else ""
        return _row(label, bar, _na(run) + peer_text, "n/a")
    if peer is None:
        return _row(label, bar, f"peer unavailable: {results.peer.get('reason')}", "n/a")
    factor = run.peak.rps / peer["rps"] if peer["rps"] else 0.0
    measured = f"{factor:.2f}x ({run.peak.rps:,.0f} vs {peer['rps']:,.0f} req/s)"
    note = "join+leave requests/s (each is one membership operation) vs joinOrCreate/s"
    return _row(label, bar, measured, "pass" if factor >= 2 else "FAIL", note)


def _fanout(results: Results) -> dict[str, Any]:
    label = f"fan-out to {FANOUT_SUBSCRIBERS} sockets"
    bar = f">= {FANOUT_RATE:,} deliveries/s, p99 <= {FANOUT_P99_MS:g} ms"
    entry = next((f for f in results.fanout if f["subscribers"] == FANOUT_SUBSCRIBERS), None)
    if entry is None or not entry.get("available"):
        reason = (entry or {}).get("reason") or (entry or {}).get("error") or "not measured"
        return _row(label, bar, reason, "n/a")
    at_rate = entry["at_rate"]
    rate, p99 = at_rate.get("deliveries_per_s", 0.0), at_rate.get("p99_ms", 0.0)
    ok = rate >= FANOUT_RATE and p99 <= FANOUT_P99_MS and not entry.get("failures")
    return _row(label, bar, f"{rate:,.0f}/s, p99 {p99:.1f} ms", "pass" if ok else "FAIL")


def _scaling(results: Results) -> list[dict[str, Any]]:
    rows = []
    sizes = sorted({e["size"] for e in results.scaling})
    for name in ("join_leave", "query", "get_host", "login"):
        label = f"{name}: p99 at largest size <= {SCALE_P99_FACTOR}x p99 at 10^3"
        entries = {e["size"]: e for e in results.scaling if e["scenario"] == name}
        info = "" if name in ("join_leave", "query") else " (informational)"
        if len(sizes) < 2 or not entries:
            rows.append(_row(label + info, "", "not measured", "n/a"))
            continue
        small, large = entries.get(sizes[0]), entries.get(sizes[-1])
        if not small or not large or not small.get("available") or not large.get("available"):
            reason = (large or small or {}).get("reason") or "not measured"
            rows.append(_row(label + info, f"<= {SCALE_P99_FACTOR}x", reason, "n/a"))
            continue
        key = "p99_fixed_ms" if "p99_fixed_ms" in small and "p99_fixed_ms" in large else "p99_ms"
        factor = large[key] / small[key] if small[key] else 0.0
        measured = (
            f"{factor:.2f}x ({small[key]:.2f} ms at {sizes[0]:,}, "
            f"{large[key]:.2f} ms at {sizes[-1]:,} hosts"
            + (f", both at {small.get('fixed_rate', 0):,.0f}/s)" if key == "p99_fixed_ms" else ")")
        )
        status = "pass" if factor <= SCALE_P99_FACTOR else "FAIL"
        rows.append(
            _row(label + info, f"<= {SCALE_P99_FACTOR}x", measured, status, large.get("note", ""))
        )
    return rows
