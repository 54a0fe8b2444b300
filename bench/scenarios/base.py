"""What a scenario is, and the running lobbyd it renders requests for."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

import httpx

from bench.seed import HostCred, Minter, Seeder
from bench.settings import ServerSpec
from bench.wrk import http_request

_PARAM = re.compile(r"\{[^}]*\}")
SEED_CHUNK = 20_000


def route(method: str, path: str) -> tuple[str, str]:
    """A route with its path parameters' names erased, to compare with /openapi.json."""
    return method.upper(), _PARAM.sub("{}", path)


@dataclass
class Target:
    """A running lobbyd and what the bench knows about it."""

    spec: ServerSpec
    port: int
    database_url: str
    routes: set[tuple[str, str]]
    minter: Minter
    seeder: Seeder
    seeded: list[HostCred] = field(default_factory=list)
    handed_out: int = 0
    #: Sync keys of the sessions the bench launched (their Redis keys are deleted at the end).
    sync_keys: set[str] = field(default_factory=set)
    pools: dict[str, list[HostCred]] = field(default_factory=dict)
    #: Hosts a read scenario rotates through; hosts whose lists befriend and ban grow.
    read_pool: int = 1_000
    write_pool: int = 500
    #: Hosts seeded at once when the pool runs dry (the scaling runs seed exactly what lacks).
    seed_chunk: int = SEED_CHUNK
    #: The lobbyd process (the leader of its workers), whose CPU the bench measures.
    server_pid: int | None = None
    #: Live sessions the heartbeat scenario seeds and rotates through.
    live_sessions: int = 10_000

    async def pool(self, name: str, count: int) -> list[HostCred]:
        """Hosts shared by the scenarios that ask for the same pool name."""
        if name not in self.pools:
            self.pools[name] = await self.fresh_hosts(count)
        return self.pools[name]

    async def fresh_hosts(self, count: int) -> list[HostCred]:
        """Hosts no scenario has used yet (seeded on demand, straight into the database)."""
        missing = self.handed_out + count - len(self.seeded)
        if missing > 0:
            self.seeded += await self.seeder.hosts(max(missing, self.seed_chunk))
        taken = self.seeded[self.handed_out : self.handed_out + count]
        self.handed_out += count
        return taken

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        basic: HostCred | None = None,
        json_body: object = None,
        raw_body: bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> bytes:
        """One raw request to this lobbyd."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if basic is not None:
            pair = base64.b64encode(f"{basic.uuid}:{basic.secret}".encode()).decode()
            sent["Authorization"] = f"Basic {pair}"
        body = raw_body
        if json_body is not None:
            body = json.dumps(json_body, separators=(",", ":")).encode()
        if body is not None:
            sent["Content-Type"] = content_type
        return http_request(method, path, self.port, headers=sent, body=body)

    def client(self) -> httpx.AsyncClient:
        """An HTTP client for preparation steps (not timed)."""
        return httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self.port}",
            timeout=30,
            limits=httpx.Limits(max_connections=16),
        )

    async def launch(
        self, hosts: list[HostCred], extra: Callable[[int], dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        """Launch one session per host over HTTP (preparation, not timed); the answers
        ({session_id, source_of_truth_key}). `extra(i)` adds fields to the i-th body."""

        async def one(client: httpx.AsyncClient, index: int, host: HostCred) -> dict[str, Any]:
            body = {"host": host.uuid, **(extra(index) if extra else {})}
            reply = await client.post(
                "/sessions",
                json=body,
                headers={"Authorization": f"Bearer {self.minter.host(host.uuid)}"},
            )
            if reply.status_code not in (200, 201):
                raise RuntimeError(f"launch: {reply.status_code} {reply.text[:200]}")
            answer: dict[str, Any] = reply.json()
            self.sync_keys.add(str(answer.get("source_of_truth_key")))
            return answer

        async with self.client() as client:
            return await gather_limited([partial(one, client, i, h) for i, h in enumerate(hosts)])


async def gather_limited(jobs: list[Callable[[], Awaitable[Any]]], limit: int = 16) -> list[Any]:
    """Run coroutine factories with at most `limit` at once, results in order."""
    gate = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await job()

    return list(await asyncio.gather(*(run(job) for job in jobs)))


class Scenario:
    """One operation under load. Subclasses set the class attributes and render()."""

    name: ClassVar[str]
    title: ClassVar[str]
    #: What it does, one sentence for the report and docs.
    description: ClassVar[str]
    #: Routes (method, path) that must be in /openapi.json for the scenario to run.
    needs: ClassVar[tuple[tuple[str, str], ...]] = ()
    expected: ClassVar[frozenset[int]] = frozenset({200})
    #: Counted as a hot path for the "p99 at half the peak rate" target.
    hot: ClassVar[bool] = True

    def __init__(self, target: Target) -> None:
        self.target = target
        #: The open-loop rate (requests/s) the next render() is for; None for a closed loop.
        self.rate_hint: float | None = None

    @classmethod
    def missing(cls, routes: set[tuple[str, str]]) -> list[str]:
        """The needed routes this lobbyd does not serve."""
        return [f"{m} {p}" for m, p in cls.needs if route(m, p) not in routes]

    async def prepare(self) -> None:
        """Once per server, before any run (not timed)."""

    async def render(self, count: int) -> list[bytes]:
        """A fresh request sequence of about `count` requests that stays valid when replayed
        from the start again (wrk rotates through it)."""
        raise NotImplementedError
