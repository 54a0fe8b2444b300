"""report.md: the tables of a run, its targets, and where the time goes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.results import Measurement, Results, ScenarioRun
from bench.scenarios import SCENARIOS
from bench.targets import CPU_TARGETS

CPU_BARS = dict(CPU_TARGETS)

STATUS_MARK = {"pass": "✅ pass", "FAIL": "❌ FAIL", "n/a": "⏳ n/a"}
CAVEATS = """\
- One 2-core machine runs the load generator, lobbyd, PostgreSQL and Redis: they compete for
  CPU. wrk runs with one thread (`-t1`) and 32 connections, so it takes at most one core while
  a 2-worker server wants both; every configuration and the yardstick pay the same tax.
- The machine is shared (other jobs ran beside this one; see the load averages): absolute
  numbers move 10-30% and more between runs. Read the ratios to the yardstick (FastAPI hello
  world, uvicorn, 2 workers), which is measured before every block of measurements and at the
  end; each ratio divides by the mean of the two yardstick runs around its block.
- "Peak" is wrk's closed loop: its p50/p99 are at saturation, mostly queueing. "Half peak" is
  bench.openloop, an open-loop generator sending at a fixed rate (half the measured peak) with
  latency counted from each request's due time (no coordinated omission); being Python, it adds
  up to ~1 ms of send jitter (its p99 send lag is in results.json).
- Tokens and ids are made before the timed part (tokens signed with the service's key);
  registration and login rate limits are off (LOBBYD_REGISTER_RATE=0, LOBBYD_LOGIN_RATE=0)."""


LAG_MARK = "†"
LAG_LIMIT_MS = 5.0


def _lagged(measured: Measurement) -> str:
    return LAG_MARK if (measured.send_lag_ms or 0) > LAG_LIMIT_MS else ""


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _statuses(run: ScenarioRun) -> str:
    if run.peak is None:
        return ""
    text = ", ".join(f"{k}: {v:,}" for k, v in run.peak.statuses.items())
    if run.peak.socket_errors:
        text += "; socket errors " + ", ".join(
            f"{k} {v}" for k, v in run.peak.socket_errors.items()
        )
    return text


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _cpu_us(measured: Measurement | None, which: str = "server") -> str:
    """A run's CPU per request in microseconds ("" when not measured)."""
    cpu = measured.cpu if measured is not None else None
    value = None if cpu is None else cpu.server_us if which == "server" else cpu.postgres_us
    return "" if value is None else f"{value:,.0f}"


def _target_of(scenario: str) -> str:
    bar = CPU_BARS.get(scenario)
    return "" if bar is None else f"<= {bar:,}"


def targets_table(results: Results) -> list[str]:
    """The targets, pass / FAIL / n/a."""
    rows = [
        [
            t["target"],
            t["bar"],
            t["measured"],
            STATUS_MARK.get(t["status"], t["status"]),
            t.get("note", ""),
        ]
        for t in results.targets
    ]
    header = ["target (PostgreSQL + Redis, uvicorn, 2 workers)", "bar", "measured", "", "note"]
    return _table(header, rows)


def primary_table(results: Results) -> list[str]:
    """Every scenario in the primary configuration."""
    primary = next((s["server"] for s in results.servers if s.get("primary")), None)
    rows = []
    for run in results.runs:
        if run.server != primary:
            continue
        if not run.available or run.peak is None:
            blank = ["", "", "", "", ""]
            rows.append([run.title, *blank, "", "", "", run.reason or run.error or "", ""])
            continue
        half = run.half
        rows.append(
            [
                run.title,
                f"{run.peak.rps:,.0f}",
                f"{run.ratio:.2f}" if run.ratio is not None else "",
                _cpu_us(run.peak),
                _cpu_us(run.peak, "postgres"),
                _target_of(run.scenario),
                _ms(run.peak.p50_ms),
                _ms(run.peak.p99_ms),
                f"{_ms(half.p50_ms)} / {_ms(half.p99_ms)}{_lagged(half)}" if half else "",
                f"{half.offered_rps:,.0f}" if half and half.offered_rps else "",
                _statuses(run) + (f" **{run.unexpected} unexpected**" if run.unexpected else ""),
                f"{run.load_average:.1f}" if run.load_average is not None else "",
            ]
        )
    header = [
        "scenario",
        "req/s",
        "ratio",
        "server CPU us/req",
        "PostgreSQL CPU us/req",
        "server CPU target us",
        "p50 ms",
        "p99 ms",
        "half peak p50 / p99 ms",
        "half rate /s",
        "statuses (peak) / notes",
        "load avg",
    ]
    note = (
        f"{LAG_MARK} the open-loop generator itself ran late (p99 send lag over "
        f"{LAG_LIMIT_MS:g} ms): the machine was busy, so part of that p99 is not lobbyd's."
    )
    lagged = any(r.half and _lagged(r.half) for r in results.runs if r.server == primary)
    cpu_note = (
        "CPU per request: CPU seconds (utime + stime, from /proc) spent during the timed peak "
        "run divided by the requests answered, for lobbyd's process tree (server and workers) "
        "and for the PostgreSQL backends serving the run's database."
    )
    return [
        f"Configuration: **{primary}**.",
        "",
        *_table(header, rows),
        "",
        cpu_note,
        *(["", note] if lagged else []),
    ]


def load_curve_table(results: Results) -> list[str]:
    """p50/p99 against offered load, with what each run lost to overload."""
    rows = []
    for run in results.runs:
        if len(run.curve) < 2:
            continue
        for m in sorted(run.curve, key=lambda m: m.offered_rps or 0):
            lost = [f"{k} {v:,}" for k, v in m.statuses.items() if int(k) not in run.expected]
            lost += [f"{k} {v:,}" for k, v in m.socket_errors.items()]
            rows.append(
                [
                    run.title,
                    m.label,
                    f"{m.offered_rps:,.0f}" if m.offered_rps else "",
                    f"{_ms(m.p50_ms)} / {_ms(m.p99_ms)}{_lagged(m)}",
                    ", ".join(lost),
                ]
            )
    if not rows:
        return []
    note = (
        "Above half the peak a run may lose requests to overload (still queued 5 s after the "
        "last was due, a dropped connection, a leave that overtook its join); those are listed "
        "here and do not fail the run. A 5xx or a refused connection fails it at any load."
    )
    header = ["scenario", "load", "offered /s", "p50 / p99 ms", "lost (status or error: count)"]
    return ["", "## Latency against offered load", "", *_table(header, rows), "", note]


def configurations_table(results: Results) -> list[str]:
    """req/s (ratio) of every scenario in every configuration."""
    servers = list(dict.fromkeys(r.server for r in results.runs))
    scenarios = list(dict.fromkeys(r.scenario for r in results.runs))
    rows = []
    for name in scenarios:
        row = [name]
        for server in servers:
            run = next((r for r in results.runs if r.server == server and r.scenario == name), None)
            if run is None:
                row.append("")
            elif run.peak is None:
                row.append("n/a" if not run.available else "error")
            else:
                ratio = f" ({run.ratio:.2f})" if run.ratio is not None else ""
                cpu = _cpu_us(run.peak)
                cpu = f", {cpu} us CPU" if cpu else ""
                row.append(f"{run.peak.rps:,.0f}{ratio} p99 {run.peak.p99_ms:.1f}{cpu}")
        rows.append(row)
    down = [
        f"- {s['server']}: did not start: {s.get('reason')}"
        for s in results.servers
        if not s.get("started")
    ]
    return [*_table(["scenario", *servers], rows), "", *down]


def signals_table(results: Results) -> list[str]:
    """One row per signals run: a socket on replica A signalling one on replica B."""
    header = [
        "configuration",
        "replicas",
        "in flight",
        "signals/s",
        "delivered",
        "p50 ms",
        "p99 ms",
        "max ms",
        "lost / notes",
    ]
    rows = []
    for e in results.signals:
        if e.get("available"):
            notes = [f"{e.get('lost', 0):,.0f}"]
            notes += [f"{code} {n}" for code, n in (e.get("errors") or {}).items()]
            notes += [e["closed"]] if e.get("closed") else []
            cells = [
                str(e.get("in_flight", "")),
                f"{e.get('signals_per_s', 0):,.0f}",
                f"{e.get('delivered', 0):,.0f}",
                _ms(e.get("p50_ms")),
                _ms(e.get("p99_ms")),
                _ms(e.get("max_ms")),
                "; ".join(notes),
            ]
        else:
            cells = ["", "", "", "", "", "", e.get("reason") or e.get("error", "")]
        rows.append([str(e.get("server", "")), str(e.get("replicas", 2)), *cells])
    return _table(header, rows)


def _dict_rows(entries: list[dict[str, Any]], keys: list[str]) -> list[list[str]]:
    rows = []
    for entry in entries:
        row = []
        for key in keys:
            value = entry.get(key, "")
            if value is None:
                value = ""
            elif isinstance(value, float):
                value = f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
            elif isinstance(value, int) and not isinstance(value, bool):
                value = f"{value:,}"
            row.append(str(value))
        if not entry.get("available", True) or entry.get("error"):
            row[-1] = str(entry.get("reason") or entry.get("error") or "")
        rows.append(row)
    return rows


def where_time_goes(results: Results) -> list[str]:
    """The profiles: CPU share per layer, top frames by self time and lobbyd's own frames."""
    lines: list[str] = []
    for run in results.runs:
        profile = run.profile
        if not profile:
            continue
        lines += [
            "",
            f"**{run.title}** ([{profile['file']}]({profile['file']}), "
            f"{profile.get('busy', 0):,} busy samples of {profile.get('samples', 0):,}; "
            f"event loop in native code: {profile.get('event_loop_native', 0):.0f}%)",
        ]
        if profile.get("error"):
            lines.append(f"- profile failed: {profile['error']}")
            continue
        if not profile.get("busy"):
            lines.append("- no busy samples")
            continue
        layers = ", ".join(f"{name} {share:.0f}%" for name, share in profile["layers"][:8])
        lines.append(f"- CPU by layer (self time): {layers}")
        top = "; ".join(f"`{frame}` {share:.1f}%" for frame, share in profile["top_self"][:5])
        lines.append(f"- hottest frames (self): {top}")
        paths = "; ".join(f"`{path}` {share:.1f}%" for path, share in profile["top_paths"][:4])
        lines.append(f"- hottest call paths: {paths}")
        own = "; ".join(f"`{frame}` {share:.0f}%" for frame, share in profile["top_lobbyd"][:5])
        lines.append(f"- lobbyd frames (inclusive): {own}")
    return lines


def _yardstick_cpu(results: Results) -> str:
    values = sorted(
        y.cpu.server_us for y in results.yardstick if y.cpu and y.cpu.server_us is not None
    )
    if not values:
        return ""
    median = values[len(values) // 2]
    return f" Its server CPU per request: median {median:,.0f} us (all runs: " + (
        ", ".join(f"{v:,.0f}" for v in values) + " us)."
    )


def render(results: Results, plots: list[Path]) -> str:
    """The whole report."""
    meta, m = results.meta, results.meta["machine"]
    yard = results.yardstick
    out = [
        f"# lobbyd benchmark: {meta['profile']} profile, {m['started_utc']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']} "
        f"(kernel {m['kernel']}), load average at start {m['load_average_at_start']}. "
        f"Python {m['python']}, {m['postgres']}, {m['redis']}, {m['wrk']}, node {m['node']}. "
        f"lobbyd {m['lobbyd']} at commit `{m['git_commit']}` "
        f"({m['git_uncommitted_files']} uncommitted files in the tree).",
        "",
        "Yardstick (FastAPI hello world, uvicorn, 2 workers), measured between the blocks: "
        + ", ".join(f"{y.label} {y.rps:,.0f}" for y in yard)
        + (
            f" req/s; mean **{results.yardstick_rps:,.0f} req/s**. Each ratio divides by the "
            "mean of the two yardstick runs around its block."
            if results.yardstick_rps
            else ""
        )
        + _yardstick_cpu(results),
        "",
        "## Targets",
        "",
        *targets_table(results),
        "",
        "## Scenarios",
        "",
        *primary_table(results),
        *load_curve_table(results),
        "",
        "## Every configuration: req/s (ratio to the yardstick), p99 ms at peak, server CPU "
        "per request",
        "",
        *configurations_table(results),
    ]
    peer = results.peer
    if peer:
        out += ["", "## Peer: Colyseus", ""]
        if peer.get("available"):
            pm = peer["measurement"]
            versions = ", ".join(f"{k} {v}" for k, v in peer["versions"].items())
            out.append(
                f"{peer['route']} (room with 8 seats; {versions}): {pm['rps']:,.0f} req/s, "
                f"p50 {pm['p50_ms']:.2f} ms, p99 {pm['p99_ms']:.2f} ms, ratio "
                f"{results.ratio(pm['rps'])}."
            )
        else:
            out.append(f"Peer unavailable: {peer.get('reason')}")
    out += ["", "## Sync fan-out", ""]
    out += _table(
        [
            "subscribers",
            "saturated deliveries/s",
            "patches/s",
            "fixed rate patches/s",
            "deliveries/s",
            "p50 ms",
            "p99 ms / notes",
        ],
        [
            [
                str(e["subscribers"]),
                *(
                    [
                        f"{e['saturated'].get('deliveries_per_s', 0):,.0f}",
                        f"{e['saturated'].get('patches_per_s', 0):,.0f}",
                        f"{e['at_rate'].get('offered_patches_per_s', 0):,.0f}",
                        f"{e['at_rate'].get('deliveries_per_s', 0):,.0f}",
                        _ms(e["at_rate"].get("p50_ms")),
                        _ms(e["at_rate"].get("p99_ms")),
                    ]
                    if e.get("available")
                    else ["", "", "", "", "", e.get("reason") or e.get("error", "")]
                ),
            ]
            for e in results.fanout
        ],
    )
    if results.signals:
        out += ["", "## Signals between two replicas", ""]
        out += signals_table(results)
    out += ["", "## Memory", ""]
    out += _table(
        [
            "configuration",
            "store",
            "server bytes/session",
            "Redis bytes/session",
            "server bytes/socket",
        ],
        _dict_rows(
            results.memory,
            [
                "server",
                "store",
                "server_bytes_per_session",
                "redis_bytes_per_session",
                "server_bytes_per_socket",
            ],
        ),
    )
    out += ["", "## Scaling: database size (PostgreSQL + Redis, uvicorn, 2 workers)", ""]
    out += _table(
        [
            "hosts",
            "in db",
            "scenario",
            "req/s",
            "p50 ms",
            "p99 ms",
            "server CPU us/req",
            "PostgreSQL CPU us/req",
            "fixed rate /s",
            "p50 ms @fixed",
            "p99 ms @fixed / notes",
        ],
        _dict_rows(
            results.scaling,
            [
                "size",
                "hosts_in_db",
                "scenario",
                "rps",
                "p50_ms",
                "p99_ms",
                "server_cpu_us",
                "postgres_cpu_us",
                "fixed_rate",
                "p50_fixed_ms",
                "p99_fixed_ms",
            ],
        ),
    )
    out += ["", "## Scaling: friends-list length", ""]
    out += _table(
        [
            "friends",
            "scenario",
            "req/s",
            "ratio",
            "server CPU us/req",
            "PostgreSQL CPU us/req",
            "p50 ms",
            "p99 ms / notes",
        ],
        _dict_rows(
            results.friends,
            [
                "friends",
                "scenario",
                "rps",
                "ratio",
                "server_cpu_us",
                "postgres_cpu_us",
                "p50_ms",
                "p99_ms",
            ],
        ),
    )
    out += [
        "",
        "## Where the time goes",
        "",
        "py-spy sampled the server (all workers) during each scenario's warm-up in the "
        "primary configuration. Open the speedscope files at https://www.speedscope.app.",
    ]
    out += where_time_goes(results)
    absent = sorted({f"{r.scenario}: {r.reason}" for r in results.runs if not r.available})
    absent += [
        f"fan-out to {e['subscribers']}: {e['reason']}" for e in results.fanout if e.get("reason")
    ]
    absent += [f"signals: {e['reason']}" for e in results.signals if e.get("reason")]
    absent += [
        f"memory ({e['store']} store): {e['reason']}" for e in results.memory if e.get("reason")
    ]
    if absent:
        out += ["", "## Not available yet", "", *(f"- {line}" for line in absent)]
    logged = [s for s in results.servers if (s.get("log_errors") or {}).get("tracebacks")]
    if logged:
        out += [
            "",
            "## Errors in lobbyd's logs",
            "",
            "Unhandled errors lobbyd logged while the bench ran it (including after the "
            "timed runs, e.g. requests in flight when it was stopped):",
            "",
        ]
        for server in logged:
            problems = server["log_errors"]
            kinds = "; ".join(f"{k['count']}x `{k['error']}`" for k in problems["kinds"])
            out.append(
                f"- {server['server']} ([{server['log']}]({server['log']})): "
                f"{problems['unhandled']} unhandled errors; {kinds}"
            )
    out += ["", "## Failures", ""]
    out += [f"- {f}" for f in results.failures] or ["None: every scenario answered as expected."]
    out += ["", "## Plots", ""] + [f"![{p.stem}]({p.name})" for p in plots]
    out += ["", "## Scenarios measured", ""]
    out += [f"- **{cls.name}** ({cls.title}): {cls.description}" for cls in SCENARIOS.values()]
    out += ["", "## Caveats", "", CAVEATS, ""]
    return "\n".join(out)
