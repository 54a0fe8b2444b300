"""One scrape of `lobbyd serve --workers 2` (PostgreSQL, Redis) covers both workers."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from websockets.asyncio.client import connect

from lobbyd.ops.metrics import FLUSH_SECONDS
from tests.backends import delete_keys, postgres_database, redis_prefix, shared_redis
from tests.conftest import JWT_SECRET
from tests.processes import Server, lobbyd_serve

pytestmark = pytest.mark.e2e

BATCH = 30
BATCHES = 10


@dataclass
class Running:
    """A running two-worker server and the directory its metrics files live in."""

    server: Server
    tmp: Path

    def metrics_dirs(self) -> list[Path]:
        """The directories `serve` made for its workers' metrics."""
        return sorted(self.tmp.glob("lobbyd-metrics-*"))


@pytest.fixture(scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Running]:
    workdir = tmp_path_factory.mktemp("metrics-workers")
    tmp = workdir / "tmp"  # where `serve` makes its metrics directory (TMPDIR)
    tmp.mkdir()
    url, prefix = shared_redis(), redis_prefix()
    async with postgres_database() as database_url:
        env = {
            "LOBBYD_DATABASE_URL": database_url,
            "LOBBYD_REDIS_URL": url,
            "LOBBYD_REDIS_PREFIX": prefix,
            "LOBBYD_JWT_SECRET": JWT_SECRET,
            "LOBBYD_REGISTER_RATE": "0",
            "TMPDIR": str(tmp),
        }
        with lobbyd_serve(env, "--workers", "2", cwd=workdir) as server:
            try:
                yield Running(server, tmp)
            finally:
                print(f"--- lobbyd serve output ---\n{server.output()}")
        await delete_keys(url, prefix)
    # Serving stopped: the directory it made is gone with it.
    assert not list(tmp.glob("lobbyd-metrics-*"))


def total(text: str, name: str, labels: str = "") -> float:
    """The sum of a metric's samples whose label string contains `labels`."""
    value = 0.0
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(\{{.*\}})? (\S+)", line)
        if match and labels in (match.group(1) or ""):
            value += float(match.group(2))
    return value


async def fresh_get(url: str) -> httpx.Response:
    """A GET on a connection of its own, so that either worker may answer it."""
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.get(url)


def per_worker(directory: Path, tmp: Path) -> dict[int, float]:
    """GET /healthz answers counted by each worker, read from its own counter file alone."""
    counts: dict[int, float] = {}
    for path in directory.glob("counter_*.db"):
        pid = int(path.stem.split("_")[1])
        alone = tmp / f"alone-{pid}"
        alone.mkdir(exist_ok=True)
        shutil.copy(path, alone / path.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        counts[pid] = sum(
            sample.value
            for family in registry.collect()
            for sample in family.samples
            if sample.name == "lobbyd_http_requests_total"
            and sample.labels.get("route") == "/healthz"
        )
        shutil.rmtree(alone)
    return counts


async def test_one_scrape_counts_the_requests_of_both_workers(running: Running) -> None:
    url = running.server.url
    (directory,) = running.metrics_dirs()
    sent = 0
    for _ in range(BATCHES):  # until both workers have answered some (the kernel picks)
        await asyncio.gather(*(fresh_get(f"{url}/healthz") for _ in range(BATCH)))
        sent += BATCH
        await asyncio.sleep(FLUSH_SECONDS + 0.5)  # each worker writes its counts once a second
        workers = per_worker(directory, running.tmp)
        if len(workers) == 2 and all(workers.values()):
            break
    assert len(workers) == 2, workers
    assert all(count > 0 for count in workers.values()), f"one worker answered all: {workers}"
    # Whichever worker answers the scrape, it reports both workers' requests.
    for _ in range(6):
        text = (await fresh_get(f"{url}/metrics")).text
        answered = total(text, "lobbyd_http_requests_total", 'route="/healthz"')
        assert answered == sent == sum(workers.values())


async def test_one_scrape_counts_the_sockets_of_both_workers(running: Running) -> None:
    url = running.server.url
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        sockets = []
        for _ in range(4):
            host = (await http.post("/hosts")).json()
            login = await http.get(
                f"/hosts/{host['uuid']}/access_token", auth=(host["uuid"], host["secret"])
            )
            token = login.json()["token"]
            launched = await http.post(
                "/sessions",
                json={"host": host["uuid"]},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert launched.status_code == 201, launched.text
            key = launched.json()["source_of_truth_key"]
            ws_url = url.replace("http://", "ws://") + f"/sync/{key}/ws?token={token}"
            sockets.append(await connect(ws_url))
        try:
            for socket in sockets:
                await socket.recv()  # the snapshot: the socket is open
            await asyncio.sleep(FLUSH_SECONDS + 0.5)
            for _ in range(4):
                text = (await fresh_get(f"{url}/metrics")).text
                assert total(text, "lobbyd_sync_sockets_open") == 4
                assert total(text, "lobbyd_sessions_active") == 4
                assert total(text, "lobbyd_sync_messages_sent_total") >= 4
        finally:
            for socket in sockets:
                await socket.close()
    for _ in range(50):
        if total((await fresh_get(f"{url}/metrics")).text, "lobbyd_sync_sockets_open") == 0:
            break
        await asyncio.sleep(0.1)
    assert total((await fresh_get(f"{url}/metrics")).text, "lobbyd_sync_sockets_open") == 0
