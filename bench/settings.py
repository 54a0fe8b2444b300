"""Run profiles: which lobbyd configurations start, which scenarios run, and for how long."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Database = Literal["sqlite", "postgres"]
Store = Literal["memory", "redis"]
ServerKind = Literal["uvicorn", "granian"]

#: Every HTTP scenario, in the order they run (reads before the writes that change ETags).
#: The runs beside the scenarios, on the primary configuration (`--only` takes them too).
SYNC_RUNS = ("memory", "fanout", "signals")
ALL_SCENARIOS = (
    "register",
    "login",
    "renew",
    "get_host",
    "get_host_304",
    "befriend",
    "ban",
    "launch",
    "join_leave",
    "player_sessions",
    "query",
    # Last: it seeds thousands of live sessions, which the session reads above would see.
    "heartbeat",
)
#: What the secondary configurations run, to compare servers, workers and backends.
CORE_SCENARIOS = ("login", "get_host", "get_host_304", "befriend", "join_leave", "query")
QUICK_CORE = ("login", "get_host", "befriend", "join_leave")


@dataclass(frozen=True)
class ServerSpec:
    """One lobbyd configuration."""

    database: Database
    store: Store
    server: ServerKind
    workers: int
    #: The configuration the targets are judged in: every scenario, profiles, half-rate p99.
    primary: bool = False
    scenarios: tuple[str, ...] = ALL_SCENARIOS

    @property
    def name(self) -> str:
        """A short label, e.g. pg+redis/uvicorn/2w."""
        backend = "pg+redis" if self.database == "postgres" else "sqlite+memory"
        return f"{backend}/{self.server}/{self.workers}w"

    @property
    def slug(self) -> str:
        """The name as a file-name-safe word."""
        return self.name.replace("+", "-").replace("/", "_")


PRIMARY = ServerSpec("postgres", "redis", "uvicorn", 2, primary=True)


@dataclass(frozen=True)
class Profile:
    """How long and how much of everything one run measures."""

    name: str
    warmup: float
    duration: float
    connections: int = 32
    wrk_threads: int = 1
    servers: tuple[ServerSpec, ...] = ()
    #: Open-loop runs: p99 at half the peak rate for every scenario of the primary server.
    half_rate_duration: float = 3.0
    #: Latency against offered load: these fractions of the peak, for these scenarios.
    load_fractions: tuple[float, ...] = (0.25, 0.5, 0.75, 0.9)
    load_curve_scenarios: tuple[str, ...] = ("get_host", "login", "join_leave")
    profile_seconds: float = 3.0
    scaling_sizes: tuple[int, ...] = (1_000, 100_000)
    scaling_scenarios: tuple[str, ...] = ("get_host", "login", "join_leave", "query")
    friends_sizes: tuple[int, ...] = (10, 1_000, 10_000)
    fanout_subscribers: tuple[int, ...] = (1, 10, 100)
    fanout_duration: float = 4.0
    #: Seconds of signals from a socket on one replica to a socket on another.
    signals_duration: float = 4.0
    memory_sessions: int = 1_000
    memory_sockets: int = 200
    #: Live sessions seeded for the heartbeat scenario, whose hosts heartbeat in rotation.
    heartbeat_sessions: int = 10_000
    extra: dict[str, str] = field(default_factory=dict)


def _secondary(database: Database, store: Store, server: ServerKind, workers: int) -> ServerSpec:
    return ServerSpec(database, store, server, workers, scenarios=QUICK_CORE)


QUICK = Profile(
    name="quick",
    warmup=1.0,
    duration=3.0,
    servers=(
        PRIMARY,
        _secondary("postgres", "redis", "uvicorn", 1),
        _secondary("postgres", "redis", "granian", 2),
        # The memory store lives in one process, so SQLite + memory runs one worker.
        _secondary("sqlite", "memory", "uvicorn", 1),
    ),
    half_rate_duration=2.5,
    load_fractions=(0.25, 0.5, 0.75),
    load_curve_scenarios=("get_host",),
    profile_seconds=2.0,
    scaling_sizes=(1_000, 100_000),
    friends_sizes=(10, 1_000, 10_000),
    fanout_duration=3.0,
    signals_duration=3.0,
    memory_sessions=1_000,
    memory_sockets=500,
    heartbeat_sessions=10_000,
)

FULL = Profile(
    name="full",
    warmup=3.0,
    duration=15.0,
    servers=(
        PRIMARY,
        ServerSpec("postgres", "redis", "uvicorn", 1, scenarios=CORE_SCENARIOS),
        ServerSpec("postgres", "redis", "granian", 1, scenarios=CORE_SCENARIOS),
        ServerSpec("postgres", "redis", "granian", 2, scenarios=CORE_SCENARIOS),
        # The memory store lives in one process: SQLite + memory runs every scenario on 1 worker.
        ServerSpec("sqlite", "memory", "uvicorn", 1),
        ServerSpec("sqlite", "memory", "granian", 1, scenarios=CORE_SCENARIOS),
    ),
    half_rate_duration=8.0,
    load_fractions=(0.1, 0.25, 0.5, 0.75, 0.9),
    load_curve_scenarios=("get_host", "get_host_304", "login", "befriend", "join_leave", "query"),
    profile_seconds=6.0,
    scaling_sizes=(1_000, 100_000, 1_000_000),
    friends_sizes=(10, 1_000, 10_000),
    fanout_duration=10.0,
    signals_duration=10.0,
    memory_sessions=10_000,
    memory_sockets=1_000,
    # 10^5 live sessions: with a heartbeat every 20 s, the 5,000 a second of a real deployment.
    heartbeat_sessions=100_000,
)

#: Checks that the bench itself works (a minute or two, the primary configuration only): the
#: figures are too short to quote.
SMOKE = Profile(
    name="smoke",
    warmup=0.5,
    duration=1.0,
    servers=(PRIMARY,),
    half_rate_duration=1.0,
    load_fractions=(0.5,),
    load_curve_scenarios=(),
    profile_seconds=1.0,
    scaling_sizes=(1_000, 2_000),
    friends_sizes=(10,),
    fanout_subscribers=(1, 10),
    fanout_duration=1.0,
    signals_duration=1.0,
    memory_sessions=100,
    memory_sockets=20,
    heartbeat_sessions=1_000,
)

PROFILES = {"quick": QUICK, "full": FULL, "smoke": SMOKE}


def customized(
    profile: Profile,
    *,
    duration: float | None = None,
    warmup: float | None = None,
    only: tuple[str, ...] = (),
    servers: tuple[str, ...] = (),
    heartbeat_sessions: int | None = None,
) -> Profile:
    """The profile with command-line overrides applied."""
    if heartbeat_sessions is not None:
        profile = replace(profile, heartbeat_sessions=heartbeat_sessions)
    if duration is not None:
        profile = replace(profile, duration=duration, half_rate_duration=min(duration, 8.0))
    if warmup is not None:
        profile = replace(profile, warmup=warmup)
    chosen = profile.servers
    if servers:
        chosen = tuple(s for s in chosen if s.slug in servers or s.name in servers)
    if only:
        chosen = tuple(
            replace(s, scenarios=tuple(n for n in s.scenarios if n in only)) for s in chosen
        )
    return replace(profile, servers=chosen)
