"""CPU per request, from /proc: utime + stime of a process tree, as a delta over a timed run.

The server's figure sums lobbyd's process and every descendant (the workers). PostgreSQL's sums
the backends serving the run's database (found in pg_stat_activity, read in /proc under the
postmaster); every child of the postmaster is summed too, as a second figure, which on a shared
PostgreSQL also counts other users' work. A process alive at the end counts what it spent since
the start (all of it when it started during the run), and what its children that ended and were
waited for spent (cutime + cstime: a worker that died counts in its supervisor). A backend of the
run's database that ended during the run is lost (its CPU goes to the postmaster, so only the
second figure keeps it): the first figure is a lower bound when connections are opened and closed
under load."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.procs import children_of
from bench.results import CpuCost

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
#: (pid, start time) -> utime + stime, in clock ticks. The start time tells a reused pid apart.
Ticks = dict[tuple[int, int], int]


def stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (field 3, the state, first)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def command_name(pid: int) -> str:
    """/proc/<pid>/comm ("" when the process is gone)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def ticks_of(pids: list[int]) -> Ticks:
    """utime + stime of each process still alive, with those of its children it waited for."""
    found: Ticks = {}
    for pid in pids:
        fields = stat_fields(pid)
        if fields is None:
            continue
        # stat(5): utime is field 14, stime 15, cutime 16, cstime 17 (children that ended and
        # were waited for), starttime 22; fields[0] is field 3.
        found[pid, int(fields[19])] = sum(int(value) for value in fields[11:15])
    return found


def tree_ticks(pid: int) -> Ticks:
    """utime + stime of a process and all its descendants."""
    return ticks_of([pid, *children_of(pid)])


def spent(before: Ticks, after: Ticks) -> float:
    """CPU seconds spent between two snapshots by the processes alive at the second."""
    return sum(ticks - before.get(key, 0) for key, ticks in after.items()) / CLOCK_TICKS


@dataclass
class PostgresSnapshot:
    """The backends of one database, and every child of the postmaster."""

    ours: Ticks
    every: Ticks


class PostgresProbe:
    """Finds PostgreSQL's processes for a database URL (the server must run on this machine)."""

    def __init__(self, database_url: str) -> None:
        base, _, self.database = database_url.rpartition("/")
        self.admin_url = f"{base}/postgres"

    async def snapshot(self) -> PostgresSnapshot:
        """The CPU ticks of the database's backends and of the postmaster's children.
        RuntimeError (with the reason) when they cannot be seen in /proc."""
        conn = await asyncpg.connect(self.admin_url, timeout=10)
        try:
            own = int(await conn.fetchval("SELECT pg_backend_pid()"))
            rows = await conn.fetch("SELECT pid, datname FROM pg_stat_activity")
            fields = stat_fields(own)
            if fields is None:
                raise RuntimeError(
                    "PostgreSQL's processes are not visible in /proc (another machine or "
                    "another pid namespace)"
                )
            postmaster = int(fields[1])
            name = command_name(postmaster)
            if not name.startswith("postgres"):
                raise RuntimeError(f"the parent of a PostgreSQL backend is {name!r}, not postgres")
            ours = [int(row["pid"]) for row in rows if row["datname"] == self.database]
            every = [postmaster, *(pid for pid in children_of(postmaster) if pid != own)]
            return PostgresSnapshot(ticks_of(ours), ticks_of(every))
        finally:
            await conn.close()


class CpuMeter:
    """CPU per request of one timed run: `await start()`, run the load, `await finish(n)`."""

    def __init__(self, server_pid: int, database_url: str | None) -> None:
        self.server_pid = server_pid
        postgres = database_url is not None and database_url.startswith("postgresql://")
        self.probe = PostgresProbe(database_url) if postgres and database_url else None
        self.reason: str | None = None if self.probe else "no PostgreSQL in this configuration"
        self._server: Ticks = {}
        self._postgres: PostgresSnapshot | None = None
        self._started = 0.0

    async def _postgres_snapshot(self) -> PostgresSnapshot | None:
        if self.probe is None or self.reason is not None:
            return None
        try:
            return await self.probe.snapshot()
        except (RuntimeError, OSError, asyncpg.PostgresError) as exc:
            self.reason = str(exc) or type(exc).__name__
            return None

    async def start(self) -> None:
        """The snapshot before the run."""
        self._postgres = await self._postgres_snapshot()
        self._server = tree_ticks(self.server_pid)
        self._started = time.monotonic()

    async def finish(self, requests: int) -> CpuCost:
        """The snapshot after the run; what it cost per request answered."""
        server = spent(self._server, tree_ticks(self.server_pid))
        seconds = time.monotonic() - self._started
        after = await self._postgres_snapshot()

        def per_request(value: float | None) -> float | None:
            if value is None or requests <= 0:
                return None
            return round(value / requests * 1e6, 1)

        cost = CpuCost(
            requests=requests,
            seconds=round(seconds, 3),
            server_s=round(server, 3),
            server_us=per_request(server),
        )
        if self._postgres is not None and after is not None:
            ours = spent(self._postgres.ours, after.ours)
            every = spent(self._postgres.every, after.every)
            cost.postgres_s, cost.postgres_us = round(ours, 3), per_request(ours)
            cost.postgres_all_s, cost.postgres_all_us = round(every, 3), per_request(every)
            cost.postgres_backends = len(set(self._postgres.ours) | set(after.ours))
        else:
            cost.postgres_reason = self.reason
        return cost
