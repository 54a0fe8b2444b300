"""The metric families of lobbyd and how they are exposed.

Under `lobbyd serve`, PROMETHEUS_MULTIPROC_DIR names a directory shared by every worker:
prometheus-client keeps each worker's values in its own memory-mapped files there, and a scrape
of any worker reads them all, so one scrape covers the whole `serve` process. Without it (an
app built in a test, or run by another server) the values live in this process only.
"""

from __future__ import annotations

import asyncio
import bisect
import glob
import os
import re
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.metrics import disable_created_metrics
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_LATEST

#: Seconds; from a cached read (about 1 ms) to a slow join under load.
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# The `_created` series say when a label set was first seen; nobody graphs them, and the
# multiprocess mode has none: without them a single worker answers like many.
disable_created_metrics()

#: Seconds between writes of a worker's counts to the shared files (a scrape answered by another
#: worker sees them this late at most; the worker answering a scrape writes its own first).
FLUSH_SECONDS = 1.0

_STATUS = {code: str(code) for code in range(100, 600)}

_LIVE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db$")


class Metrics:
    """The instruments one app records into (the multiprocess files when `directory` is set)."""

    def __init__(self, directory: str | None) -> None:
        if directory and values.ValueClass is values.MutexValue:
            # prometheus-client picks where values go when it is first imported.
            raise RuntimeError(
                "PROMETHEUS_MULTIPROC_DIR must be set before lobbyd is imported "
                "(`lobbyd serve` does this)"
            )
        self.directory = directory
        # Multiprocess values are read back from the files, never from a registry.
        self.registry = None if directory else CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "lobbyd_http_requests",
            "HTTP requests answered, by method, route template and status",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.duration = Histogram(
            "lobbyd_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ("method", "route"),
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.sockets = Gauge(
            "lobbyd_sync_sockets_open",
            "Sync WebSockets open now",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.messages = Counter(
            "lobbyd_sync_messages_sent",
            "Messages sent over sync WebSockets",
            registry=self.registry,
        )
        self.joins = Counter(
            "lobbyd_joins",
            "Join attempts by outcome: 200, or the error code of the refusal",
            ("outcome",),
            registry=self.registry,
        )

        # Counted here first, in plain dicts, and written to prometheus-client at most once a
        # FLUSH_SECONDS: a request then costs dict updates, not five locked writes to the
        # memory-mapped files (measured: about 6 us a request, a third of it the histogram).
        self._requests: dict[tuple[str, str, str], int] = {}
        self._durations: dict[tuple[str, str], list[float]] = {}
        self._joins: dict[str, int] = {}
        self._messages = 0
        self._flusher: asyncio.Task[None] | None = None

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        """One HTTP answer."""
        key = (method, route, _STATUS.get(status) or str(status))
        self._requests[key] = self._requests.get(key, 0) + 1
        timed = self._durations.get(key[:2])
        if timed is None:
            timed = self._durations[key[:2]] = [0.0] * (len(DURATION_BUCKETS) + 2)
        timed[0] += seconds
        timed[1 + bisect.bisect_left(DURATION_BUCKETS, seconds)] += 1

    def join(self, outcome: str) -> None:
        """One answer to a join."""
        self._joins[outcome] = self._joins.get(outcome, 0) + 1

    def message(self) -> None:
        """One message sent over a sync socket."""
        self._messages += 1

    def flush(self) -> None:
        """Write what was counted since the last flush to prometheus-client's values."""
        requests, self._requests = self._requests, {}
        durations, self._durations = self._durations, {}
        joins, self._joins = self._joins, {}
        messages, self._messages = self._messages, 0
        for labels, count in requests.items():
            self.requests.labels(*labels).inc(count)
        for timed, (total, *buckets) in durations.items():
            # Histogram's own parts: observe() takes one value at a time, which is what the
            # batching saves (prometheus-client keeps per-bucket counts, summed when read).
            child = self.duration.labels(*timed)
            child._sum.inc(total)
            for index, observed in enumerate(buckets):
                if observed:
                    child._buckets[index].inc(observed)
        for outcome, count in joins.items():
            self.joins.labels(outcome).inc(count)
        if messages:
            self.messages.inc(messages)

    def start(self) -> None:
        """Flush every FLUSH_SECONDS from now on (in the running event loop)."""
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush_often())

    async def _flush_often(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            self.flush()

    def render(self, sessions_active: int) -> bytes:
        """The Prometheus text exposition of every worker's values, plus the gauges read from
        the database at scrape time (this worker's counts are flushed first)."""
        self.flush()
        registry = CollectorRegistry(auto_describe=False)
        if self.directory:
            forget_dead_workers(self.directory)
            MultiProcessCollector(registry, path=self.directory)
        elif self.registry is not None:
            registry.register(_Registry(self.registry))
        active = GaugeMetricFamily(
            "lobbyd_sessions_active",
            "Active sessions in the database (the same figure on every replica)",
            value=sessions_active,
        )
        registry.register(_Fixed([active]))
        return generate_latest(registry)

    def close(self) -> None:
        """This process stops: what it counted is written, and its live gauges (open sockets)
        no longer count."""
        if self._flusher is not None:
            self._flusher.cancel()
            self._flusher = None
        self.flush()
        if self.directory:
            mark_process_dead(os.getpid(), self.directory)


def forget_dead_workers(directory: str) -> None:
    """Drop the live-gauge files of workers that died without saying so (killed, crashed):
    their sockets closed with them. Counters and histograms of dead workers stay counted, so
    totals never go backwards."""
    for path in glob.glob(os.path.join(directory, "gauge_live*.db")):
        found = _LIVE_FILE.search(os.path.basename(path))
        if found and not _alive(int(found.group(1))):
            mark_process_dead(int(found.group(1)), directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Fixed(Collector):
    """Families computed before the scrape."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        """The families, as given."""
        return self._families


class _Registry(Collector):
    """Another registry's families (the in-process values)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterable[Metric]:
        """Everything the registry holds."""
        return self._registry.collect()
