"""Many replicas behave as one: `lobbyd serve` processes sharing one fresh PostgreSQL database and
Redis (a key prefix of their own), driven by real HTTP and WebSocket clients (lobbyd_client).

A subscriber on one replica receives, in order and without gaps, the changes written through
another; when its replica is killed mid-stream it resumes on another with `since=` and gets
every change exactly once.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lobbyd_client import ApiError, LobbydClient, SyncSocket
from tests.backends import delete_keys, postgres_database, redis_prefix, shared_redis
from tests.processes import Server, lobbyd_serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@dataclass
class Cluster:
    """Replicas over one database and one Redis prefix."""

    env: dict[str, str]
    workdir: Path
    a: Server
    b: Server

    def replica(self, stack: ExitStack) -> Server:
        """One more replica, stopped when `stack` closes."""
        return stack.enter_context(lobbyd_serve(self.env, cwd=self.workdir))


@pytest.fixture(scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cluster]:
    """Two `lobbyd serve` replicas: A on uvicorn, B on granian."""
    url, prefix = shared_redis(), redis_prefix()
    workdir = tmp_path_factory.mktemp("replicas")
    async with postgres_database() as database_url:
        env = {
            "LOBBYD_DATABASE_URL": database_url,
            "LOBBYD_REDIS_URL": url,
            "LOBBYD_REDIS_PREFIX": prefix,
            "LOBBYD_REGISTER_RATE": "0",
            "LOBBYD_LOGIN_RATE": "0",
        }
        try:
            # B runs on granian: the protocol must not depend on the ASGI server.
            granian = ("--server", "granian")
            with lobbyd_serve(env, cwd=workdir) as a, lobbyd_serve(env, *granian, cwd=workdir) as b:
                yield Cluster(env, workdir, a, b)
        finally:
            await delete_keys(url, prefix)


@pytest.fixture
def servers(cluster: Cluster) -> Iterator[Cluster]:
    """The cluster; what its replicas printed is shown with any failure."""
    yield cluster
    print(f"--- replica A ---\n{cluster.a.output()}\n--- replica B ---\n{cluster.b.output()}")


@asynccontextmanager
async def player(base_url: str) -> AsyncIterator[tuple[LobbydClient, str]]:
    """A new host, logged in through `base_url`, that lets anyone in."""
    async with LobbydClient(base_url, timeout=30) as lobby:
        credentials = await lobby.register()
        await lobby.login(credentials.uuid, credentials.secret)
        await lobby.set_only_friends(credentials.uuid, False)
        yield lobby, credentials.uuid


async def _take(socket: SyncSocket, count: int, within: float = 60.0) -> list[dict[str, Any]]:
    async with asyncio.timeout(within):
        return [await socket.recv() for _ in range(count)]


async def test_a_subscriber_on_a_receives_every_change_written_through_b_in_order(
    servers: Cluster,
) -> None:
    async with (
        player(servers.a.url) as (host_a, host),
        LobbydClient(servers.b.url, host_a.token, timeout=30) as host_b,
    ):
        key = (await host_a.launch(host)).source_of_truth_key
        async with SyncSocket(servers.a.url, key, host_a.token or "") as socket:
            assert (await socket.recv())["type"] == "snapshot"

            async def writer(lobby: LobbydClient, name: str, count: int) -> None:
                for n in range(count):
                    await lobby.patch_state(key, {name: n})

            await asyncio.gather(writer(host_b, "b1", 150), writer(host_b, "b2", 150))
            await writer(host_a, "a", 50)
            changes = await _take(socket, 350)
    assert [c["version"] for c in changes] == list(range(2, 352))  # no gap, no repeat
    for name, count in (("b1", 150), ("b2", 150), ("a", 50)):
        written = [c["patch"][name] for c in changes if name in c["patch"]]
        assert written == list(range(count)), name  # each writer's changes in its own order
    assert socket.document is not None
    assert socket.document.state == {"b1": 149, "b2": 149, "a": 49}


async def test_membership_events_from_b_reach_a_socket_on_a(servers: Cluster) -> None:
    async with player(servers.a.url) as (host_a, host), player(servers.b.url) as (guest_b, guest):
        session = await host_a.launch(host)
        key = session.source_of_truth_key
        async with SyncSocket(servers.a.url, key, host_a.token or "") as socket:
            await socket.recv()
            await guest_b.join(host, guest)
            await guest_b.put_member(key, guest, {"ready": True})
            await guest_b.remove_player(session.session_id, guest)
            async with LobbydClient(servers.b.url, host_a.token) as host_b:
                await host_b.end_session(session.session_id)
            async with asyncio.timeout(30):
                seen = [(m["type"], m.get("player")) async for m in socket]
    assert seen == [
        ("member_joined", guest),
        ("member_updated", guest),
        ("member_left", guest),
        ("session_ended", None),
    ]


async def test_a_replica_killed_mid_stream_and_the_client_resumes_on_another(
    servers: Cluster,
) -> None:
    total = 400
    with ExitStack() as stack:
        doomed = servers.replica(stack)
        async with (
            player(servers.a.url) as (host_a, host),
            LobbydClient(servers.b.url, host_a.token, timeout=30) as host_b,
        ):
            key = (await host_a.launch(host)).source_of_truth_key
            replicas = [doomed.url, servers.a.url]
            async with SyncSocket(replicas, key, host_a.token or "", backoff=0.05) as socket:
                assert (await socket.recv())["type"] == "snapshot"
                assert socket.url.startswith(doomed.url.replace("http", "ws"))

                async def write() -> None:
                    for n in range(total):
                        await host_b.patch_state(key, {"n": n})

                writing = asyncio.create_task(write())
                before = await _take(socket, 100)
                doomed.process.send_signal(signal.SIGKILL)  # mid-stream, no goodbye
                after = await _take(socket, total - 100)
                await writing
    received = before + after
    assert [m["type"] for m in received] == ["state_patch"] * total  # no second snapshot
    assert [m["version"] for m in received] == list(range(2, total + 2))
    assert [m["patch"]["n"] for m in received] == list(range(total))
    assert socket.reconnects >= 1
    assert socket.url.startswith(servers.a.url.replace("http", "ws"))


@pytest.mark.parametrize("replica", ["a", "b"])
async def test_each_replica_refuses_a_bad_handshake_with_the_error_body(
    servers: Cluster, replica: str
) -> None:
    server: Server = getattr(servers, replica)
    async with player(server.url) as (host, host_id):
        key = (await host.launch(host_id)).source_of_truth_key
        forged = SyncSocket(server.url, key, "forged-token")
        with pytest.raises(ApiError) as refused:
            await forged.open()
        async with player(server.url) as (outsider, _):
            with pytest.raises(ApiError) as hidden:
                await outsider.sync_socket(key).open()
    assert (refused.value.status, refused.value.code) == (401, "unauthorized")
    assert (hidden.value.status, hidden.value.code) == (404, "no_document")
