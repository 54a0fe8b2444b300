"""SyncSocket against a real uvicorn: messages, writes, local copy, reconnection with since."""

from __future__ import annotations

import asyncio
import base64
import os
import socket as stdlib_socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI

from lobbyd_client import ApiError, LobbydClient, SyncError, SyncRemoved, SyncSocket
from tests.client.conftest import in_process
from tests.processes import free_port
from tests.sync.conftest import Served, serve


@asynccontextmanager
async def account(
    base_url: str, app: FastAPI | None = None
) -> AsyncIterator[tuple[LobbydClient, str]]:
    """A client logged in as a new host that lets anyone in; and its uuid."""
    lobby = in_process(app) if app is not None else LobbydClient(base_url)
    async with lobby:
        credentials = await lobby.register()
        await lobby.login(credentials.uuid, credentials.secret)
        await lobby.set_only_friends(credentials.uuid, False)
        lobby.base_url = base_url  # sockets go to the real server
        yield lobby, credentials.uuid


async def _take(socket: SyncSocket, count: int, within: float = 10.0) -> list[dict[str, Any]]:
    async with asyncio.timeout(within):
        return [await socket.recv() for _ in range(count)]


async def test_snapshot_then_changes_and_the_local_copy_follows(served: Served) -> None:
    async with (
        account(served.http_url) as (host, host_id),
        account(served.http_url) as (guest, guest_id),
    ):
        key = (await host.launch(host_id)).source_of_truth_key
        async with host.sync_socket(key) as socket:
            assert (await socket.recv())["type"] == "snapshot"
            await host.put_state(key, {"score": {"red": 0, "blue": 0}, "timer": 9})
            await guest.join(host_id, guest_id)
            await guest.put_member(key, guest_id, {"ready": True})
            await host.patch_state(key, {"score": {"red": 1}, "timer": None})
            kinds = [m["type"] for m in await _take(socket, 4)]
            assert socket.document is not None
            mirrored = socket.document
        served_document = await host.get_document(key)
    assert kinds == ["state_replaced", "member_joined", "member_updated", "state_patch"]
    assert mirrored == served_document
    assert socket.version == served_document.version == 5


async def test_writes_over_the_socket_answer_versions_and_refusals(served: Served) -> None:
    async with (
        account(served.http_url) as (host, host_id),
        account(served.http_url) as (guest, guest_id),
    ):
        key = (await host.launch(host_id)).source_of_truth_key
        await guest.join(host_id, guest_id)
        async with host.sync_socket(key) as host_socket, guest.sync_socket(key) as guest_socket:
            assert await host_socket.patch({"a": 1}) == 3
            assert await host_socket.replace({"b": 2}, if_version=3) == 4
            with pytest.raises(SyncError) as stale:
                await host_socket.patch({"c": 3}, if_version=3)
            assert await guest_socket.update_member({"hp": 10}) == 5
            with pytest.raises(SyncError) as forbidden:
                await guest_socket.patch({"cheat": True})
            assert await guest_socket.ping() >= 2
    assert stale.value.code == "precondition_failed"
    assert forbidden.value.code == "forbidden"


async def test_iteration_ends_after_the_session_ends(served: Served) -> None:
    async with account(served.http_url) as (host, host_id):
        session = await host.launch(host_id)
        async with host.sync_socket(session.source_of_truth_key) as socket:
            await host.end_session(session.session_id)
            async with asyncio.timeout(10):
                messages = [message async for message in socket]
    assert [m["type"] for m in messages] == ["snapshot", "session_ended"]
    assert socket.document is not None
    assert socket.document.ended


async def test_a_kicked_member_gets_sync_removed_after_the_change(served: Served) -> None:
    async with (
        account(served.http_url) as (host, host_id),
        account(served.http_url) as (guest, guest_id),
    ):
        session = await host.launch(host_id)
        await guest.join(host_id, guest_id)
        async with guest.sync_socket(session.source_of_truth_key) as socket:
            await socket.recv()
            await host.remove_player(session.session_id, guest_id)
            assert (await socket.recv())["type"] == "member_kicked"
            with pytest.raises(SyncRemoved):
                await socket.recv()


async def test_a_refused_socket_raises_api_error(served: Served) -> None:
    async with account(served.http_url) as (host, host_id), account(served.http_url) as (other, _):
        key = (await host.launch(host_id)).source_of_truth_key
        with pytest.raises(ApiError) as refused:
            async with other.sync_socket(key):
                pass
    assert (refused.value.status, refused.value.code) == (404, "no_document")


async def test_after_a_server_restart_it_resumes_with_every_change_exactly_once(
    app: FastAPI,
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with account(base, app) as (host, host_id):
        key = (await host.launch(host_id)).source_of_truth_key
        async with serve(app, port):
            socket = SyncSocket(base, key, host.token or "", backoff=0.05)
            await socket.open()
            await socket.recv()
            for n in range(5):
                await host.patch_state(key, {"n": n})
            first = await _take(socket, 5)
        for n in range(5, 10):  # while no server listens
            await host.patch_state(key, {"n": n})
        async with serve(app, port):
            rest = await _take(socket, 5)
            await host.patch_state(key, {"n": 10})
            live = await _take(socket, 1)
        await socket.close()
    versions = [m["version"] for m in first + rest + live]
    assert versions == list(range(2, 13))
    assert [m["type"] for m in rest] == ["state_patch"] * 5  # replayed, no snapshot
    assert socket.reconnects >= 1


def _small_receive_buffer(socket: SyncSocket) -> None:
    """Pin the client's TCP receive buffer small: loopback autotuning grows it to tens of MB,
    which could hold every change, and then the server would never see the reader lag."""
    connection = socket._connection  # the test reaches the real TCP socket
    assert connection is not None
    raw = connection.transport.get_extra_info("socket")
    raw.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_RCVBUF, 256 * 1024)


async def test_a_reader_dropped_for_lag_catches_up_without_losing_a_change(
    make_app: Any, settings_overrides: dict[str, Any]
) -> None:
    # The log keeps all 300 changes (about 8 MB), so the reader catches up from it.
    app: FastAPI = await make_app(
        **settings_overrides, ws_queue_max=10, sync_log_bytes=16 * 1024 * 1024
    )
    blob = base64.b64encode(os.urandom(20_000)).decode()
    async with serve(app) as served, account(served.http_url, app) as (host, host_id):
        key = (await host.launch(host_id)).source_of_truth_key
        socket = SyncSocket(served.http_url, key, host.token or "", queue_max=1)
        await socket.open()
        _small_receive_buffer(socket)
        for n in range(300):  # the reader is not iterating: the server drops it (4008)
            await app.state.store.put_state(key, {"n": n, "blob": blob})
            await asyncio.sleep(0)
        messages = await _take(socket, 301, within=60)
        await socket.close()
    changes = [m for m in messages if m["type"] != "snapshot"]
    assert [m["version"] for m in changes] == list(range(2, 302))
    assert socket.reconnects >= 1
