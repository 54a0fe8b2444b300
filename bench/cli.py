"""`python -m bench`: run a profile and write bench/results/<UTC timestamp>/."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import FrameType

from bench import log, plots, report, targets
from bench.backends import Backends
from bench.procs import Processes
from bench.results import Results
from bench.runner import Bench
from bench.settings import ALL_SCENARIOS, PROFILES, SYNC_RUNS, customized
from bench.wrk import ensure_wrk, wrk_version

RESULTS = Path(__file__).resolve().parent / "results"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="lobbyd's benchmark suite (docs/performance.md)"
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="RUN",
        help="run only these scenarios or runs (repeatable or comma-separated): "
        + ", ".join((*ALL_SCENARIOS, *SYNC_RUNS)),
    )
    parser.add_argument(
        "--profiles",
        "--servers",
        dest="servers",
        action="append",
        default=[],
        metavar="CONFIG",
        help="run only these lobbyd configurations, e.g. pg-redis_uvicorn_2w "
        "(repeatable or comma-separated)",
    )
    parser.add_argument("--duration", type=float, help="seconds of each timed run")
    parser.add_argument("--warmup", type=float, help="seconds of each warm-up")
    parser.add_argument(
        "--heartbeat-sessions",
        type=int,
        metavar="N",
        help="live sessions the heartbeat scenario seeds (quick 10,000, full 100,000)",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip Colyseus")
    parser.add_argument("--no-scaling", action="store_true", help="skip the scaling runs")
    parser.add_argument("--no-sync", action="store_true", help="skip the fan-out and memory runs")
    parser.add_argument("--no-py-spy", action="store_true", help="skip the profiles")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where results/<ts>/ goes")
    return parser


def _split(values: list[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _finish(results: Results, out: Path) -> None:
    """Ratios, targets, results.json, plots and report.md."""
    for run in results.runs:
        if run.peak is not None:
            run.ratio = results.ratio(run.peak.rps, run.yardstick_index)
    for entry in [*results.scaling, *results.friends]:
        if "rps" in entry:
            entry["ratio"] = results.ratio(entry["rps"], entry.get("yardstick_index"))
    if measured := results.peer.get("measurement"):
        results.peer["ratio"] = results.ratio(measured["rps"], results.peer.get("yardstick_index"))
    results.targets = targets.evaluate(results)
    results.write(out / "results.json")
    try:
        made = plots.draw_all(results, out)
    except Exception as exc:  # a plot must never cost the report
        log.warn(f"plots failed: {type(exc).__name__}: {exc}")
        made = []
    (out / "report.md").write_text(report.render(results, made))


def main(argv: list[str] | None = None) -> int:
    """Run; exit status 1 when a scenario answered with unexpected statuses or crashed."""
    args = _parser().parse_args(argv)
    only = _split(args.only)
    known = (*ALL_SCENARIOS, *SYNC_RUNS)
    if unknown := [name for name in only if name not in known]:
        print(f"unknown scenarios: {unknown}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    # Naming a run beside the scenarios (say `--only signals`) restricts those runs too.
    sync_runs = tuple(name for name in only if name in SYNC_RUNS) or SYNC_RUNS
    profile = customized(
        PROFILES[args.profile],
        duration=args.duration,
        warmup=args.warmup,
        only=only,
        servers=_split(args.servers),
        heartbeat_sessions=args.heartbeat_sessions,
    )
    if only:
        args.no_scaling = True
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = args.out / stamp
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="lobbyd-bench-"))
    procs = Processes(out / "logs")
    backends = Backends(work)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)  # also when started in the background
    log.say(f"lobbyd bench, {profile.name} profile -> {out}")
    log.say(f"configurations: {', '.join(s.name for s in profile.servers) or 'none'}")
    bench: Bench | None = None
    interrupted = False
    try:
        binary = ensure_wrk()
        bench = Bench(
            profile,
            out,
            work,
            procs,
            backends,
            binary,
            wrk_version=wrk_version(binary),
            with_peer=not args.no_peer,
            with_scaling=not args.no_scaling,
            with_profiles=not args.no_py_spy,
            with_sync=not args.no_sync,
            sync_runs=sync_runs,
        )
        asyncio.run(bench.run())
    except KeyboardInterrupt:
        interrupted = True
        log.warn("interrupted: stopping servers, dropping databases, writing what was measured")
    except Exception as exc:  # still clean up and write what was measured
        traceback.print_exc()
        if bench is not None:
            bench.results.failures.append(f"the run crashed: {type(exc).__name__}: {exc}")
    finally:
        with log.step("cleanup"):
            procs.stop_all()
            asyncio.run(backends.cleanup())
            shutil.rmtree(work, ignore_errors=True)
    if bench is None:
        return 130 if interrupted else 1
    results = bench.results
    if interrupted:
        results.failures.append("interrupted before the end")
    with log.step("report"):
        _finish(results, out)
    print()
    print("\n".join(report.targets_table(results)))
    print()
    log.say(f"report: {out / 'report.md'}")
    log.say(f"total time {log.elapsed() / 60:.1f} min")
    if results.failures:
        log.warn(f"{len(results.failures)} failures:")
        for failure in results.failures:
            print(f"  - {failure.splitlines()[0]}", file=sys.stderr)
        return 130 if interrupted else 1
    return 0
