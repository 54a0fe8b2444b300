"""PNG plots of a run: throughput and latency per scenario, latency against offered load,
scaling curves, friends lists, fan-out."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from bench.results import Results
from bench.targets import CPU_TARGETS

DPI = 110


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def throughput(results: Results, out: Path) -> Path | None:
    """Grouped bars: req/s per scenario and configuration, with the yardstick as a line."""
    measured = [r for r in results.runs if r.peak is not None]
    if not measured:
        return None
    scenarios = list(dict.fromkeys(r.scenario for r in measured))
    servers = list(dict.fromkeys(r.server for r in measured))
    fig, ax = plt.subplots(figsize=(max(8, 1.2 * len(scenarios) + 3), 5))
    width = 0.8 / len(servers)
    for i, server in enumerate(servers):
        values = []
        for name in scenarios:
            run = next((r for r in measured if r.server == server and r.scenario == name), None)
            values.append(run.peak.rps if run and run.peak else 0)
        ax.bar([x + i * width for x in range(len(scenarios))], values, width, label=server)
    if results.yardstick_rps:
        ax.axhline(results.yardstick_rps, color="black", linestyle="--", linewidth=1)
        ax.text(0, results.yardstick_rps, " yardstick", va="bottom", fontsize=8)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(scenarios))], scenarios, rotation=30)
    ax.set_ylabel("requests/s (closed loop, peak)")
    ax.set_title("Throughput per scenario and configuration")
    ax.legend(fontsize=8)
    return _save(fig, out / "throughput.png")


def latency(results: Results, out: Path) -> Path | None:
    """p50 and p99 per scenario in the primary configuration, at peak and at half the peak."""
    primary = next((s["server"] for s in results.servers if s.get("primary")), None)
    runs = [r for r in results.runs if r.server == primary and r.peak is not None]
    if not runs:
        return None
    fig, ax = plt.subplots(figsize=(max(8, 1.1 * len(runs) + 3), 5))
    xs = list(range(len(runs)))
    series = (
        ("p50 at peak", [r.peak.p50_ms if r.peak else 0 for r in runs], -0.3),
        ("p99 at peak", [r.peak.p99_ms if r.peak else 0 for r in runs], -0.1),
        ("p50 at half peak", [r.half.p50_ms if r.half else 0 for r in runs], 0.1),
        ("p99 at half peak", [r.half.p99_ms if r.half else 0 for r in runs], 0.3),
    )
    for label, values, shift in series:
        ax.bar([x + shift for x in xs], values, 0.2, label=label)
    ax.axhline(10, color="red", linestyle=":", linewidth=1)
    ax.set_yscale("log")
    ax.set_xticks(xs, [r.scenario for r in runs], rotation=30)
    ax.set_ylabel("latency, ms (log)")
    ax.set_title(f"Latency per scenario ({primary}); red: the 10 ms p99 bar")
    ax.legend(fontsize=8)
    return _save(fig, out / "latency.png")


def cpu(results: Results, out: Path) -> Path | None:
    """Server and PostgreSQL CPU per request per scenario in the primary configuration, with
    the server's target as a red tick."""
    primary = next((s["server"] for s in results.servers if s.get("primary")), None)
    runs = [
        r
        for r in results.runs
        if r.server == primary and r.peak is not None and r.peak.cpu is not None
    ]
    if not runs:
        return None
    bars = dict(CPU_TARGETS)
    fig, ax = plt.subplots(figsize=(max(8, 1.1 * len(runs) + 3), 5))
    xs = list(range(len(runs)))
    server = [(r.peak.cpu.server_us or 0) if r.peak and r.peak.cpu else 0 for r in runs]
    postgres = [(r.peak.cpu.postgres_us or 0) if r.peak and r.peak.cpu else 0 for r in runs]
    ax.bar([x - 0.2 for x in xs], server, 0.4, label="lobbyd server (all workers)")
    ax.bar([x + 0.2 for x in xs], postgres, 0.4, label="PostgreSQL backends")
    for x, run in zip(xs, runs, strict=True):
        if run.scenario in bars:
            ax.hlines(bars[run.scenario], x - 0.4, x, color="red", linewidth=2)
    ax.set_xticks(xs, [r.scenario for r in runs], rotation=30)
    ax.set_ylabel("CPU per request, us")
    ax.set_title(f"CPU per request ({primary}); red: the server's target")
    ax.legend(fontsize=8)
    return _save(fig, out / "cpu.png")


def load_curves(results: Results, out: Path) -> Path | None:
    """p50 and p99 against offered load (open loop)."""
    runs = [r for r in results.runs if len(r.curve) > 1]
    if not runs:
        return None
    fig, ax = plt.subplots(figsize=(8, 5))
    for run in runs:
        points = sorted((m.offered_rps or 0, m.p50_ms, m.p99_ms) for m in run.curve)
        rates = [p[0] for p in points]
        (line,) = ax.plot(rates, [p[2] for p in points], marker="o", label=f"{run.scenario} p99")
        ax.plot(
            rates,
            [p[1] for p in points],
            marker=".",
            linestyle="--",
            color=line.get_color(),
            label=f"{run.scenario} p50",
        )
    ax.axhline(10, color="red", linestyle=":", linewidth=1)
    ax.set_yscale("log")
    ax.set_xlabel("offered load, requests/s (fixed rate)")
    ax.set_ylabel("latency, ms (log)")
    ax.set_title("Latency against offered load")
    ax.legend(fontsize=8)
    return _save(fig, out / "latency_vs_load.png")


def scaling(results: Results, out: Path) -> Path | None:
    """p50/p99 and throughput against hosts in the database."""
    entries = [e for e in results.scaling if e.get("available")]
    if not entries:
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for name in dict.fromkeys(e["scenario"] for e in entries):
        points = sorted((e["size"], e) for e in entries if e["scenario"] == name)
        sizes = [p[0] for p in points]
        key = "p99_fixed_ms" if all("p99_fixed_ms" in p[1] for p in points) else "p99_ms"
        (line,) = left.plot(sizes, [p[1][key] for p in points], marker="o", label=f"{name} p99")
        p50 = "p50_fixed_ms" if key == "p99_fixed_ms" else "p50_ms"
        left.plot(
            sizes,
            [p[1][p50] for p in points],
            marker=".",
            linestyle="--",
            color=line.get_color(),
            label=f"{name} p50",
        )
        right.plot(sizes, [p[1]["rps"] for p in points], marker="o", label=name)
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("hosts in the database")
    left.set_ylabel("latency, ms, at a fixed rate")
    left.set_title("Latency against database size")
    left.legend(fontsize=8)
    right.set_xscale("log")
    right.set_xlabel("hosts in the database")
    right.set_ylabel("requests/s (peak)")
    right.set_title("Throughput against database size")
    right.legend(fontsize=8)
    return _save(fig, out / "scaling.png")


def friends(results: Results, out: Path) -> Path | None:
    """Throughput and p99 against the length of the host's friends list."""
    entries = [e for e in results.friends if e.get("available")]
    if not entries:
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for name in dict.fromkeys(e["scenario"] for e in entries):
        points = sorted((e["friends"], e) for e in entries if e["scenario"] == name)
        sizes = [p[0] for p in points]
        left.plot(sizes, [p[1]["rps"] for p in points], marker="o", label=name)
        right.plot(sizes, [p[1]["p99_ms"] for p in points], marker="o", label=name)
    for ax, label in ((left, "requests/s (peak)"), (right, "p99 at peak, ms")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("friends per host")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    left.set_title("Throughput against friends-list length")
    right.set_title("p99 against friends-list length")
    return _save(fig, out / "friends.png")


def fanout(results: Results, out: Path) -> Path | None:
    """Deliveries per second and delivery latency against subscribers."""
    entries = [e for e in results.fanout if e.get("available")]
    if not entries:
        return None
    counts = [e["subscribers"] for e in entries]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    left.plot(
        counts,
        [e["saturated"]["deliveries_per_s"] for e in entries],
        marker="o",
        label="saturated writer",
    )
    left.plot(
        counts,
        [e["at_rate"]["deliveries_per_s"] for e in entries],
        marker="o",
        label="fixed patch rate",
    )
    left.axhline(50_000, color="red", linestyle=":", linewidth=1)
    right.plot(counts, [e["at_rate"]["p99_ms"] for e in entries], marker="o", label="p99")
    right.plot(counts, [e["at_rate"]["p50_ms"] for e in entries], marker=".", label="p50")
    right.axhline(20, color="red", linestyle=":", linewidth=1)
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xlabel("subscribers")
        ax.legend(fontsize=8)
    left.set_ylabel("deliveries/s")
    right.set_ylabel("delivery latency, ms (fixed rate)")
    left.set_title("Fan-out throughput")
    right.set_title("Fan-out latency")
    return _save(fig, out / "fanout.png")


def draw_all(results: Results, out: Path) -> list[Path]:
    """Every plot there is data for."""
    made = []
    for draw in (throughput, latency, cpu, load_curves, scaling, friends, fanout):
        path = draw(results, out)
        if path is not None:
            made.append(path)
    return made
