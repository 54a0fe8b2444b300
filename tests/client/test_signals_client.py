"""The Python client's connectivity calls: `ice()`, `send_signal()`, and `SyncSocket.signal` /
`next_signal`, against a real uvicorn."""

from __future__ import annotations

import asyncio

import pytest

from lobbyd_client import IceAnswer, SyncError
from tests.client.test_sync_socket import account
from tests.sync.conftest import Served


async def test_signals_both_ways_and_refusals(served: Served) -> None:
    async with (
        account(served.http_url) as (host, host_id),
        account(served.http_url) as (guest, guest_id),
        account(served.http_url) as (_, stranger_id),
    ):
        session = await host.launch(host_id)
        key = session.source_of_truth_key
        await guest.join(host_id, guest_id)
        async with host.sync_socket(key) as host_socket, guest.sync_socket(key) as guest_socket:
            await host_socket.recv()
            await guest_socket.recv()
            await host_socket.signal(guest_id, {"kind": "offer", "sdp": "v=0"})
            async with asyncio.timeout(5):
                got = await guest_socket.next_signal()
            assert got == {
                "type": "signal",
                "from": host_id,
                "data": {"kind": "offer", "sdp": "v=0"},
            }
            await guest.send_signal(key, host_id, {"kind": "answer"})
            async with asyncio.timeout(5):
                back = await host_socket.next_signal()
            assert back["from"] == guest_id
            assert back["data"] == {"kind": "answer"}
            with pytest.raises(SyncError) as refused:
                await host_socket.signal(stranger_id, {})
            assert refused.value.code == "not_member"
            # Signals never come out of recv(): the next change is the next message there.
            await host.patch_state(key, {"turn": 1})
            async with asyncio.timeout(5):
                change = await guest_socket.recv()
            assert change["type"] == "state_patch"


async def test_ice_with_nothing_configured(served: Served) -> None:
    async with account(served.http_url) as (host, host_id):
        session = await host.launch(host_id)
        answer = await host.ice(session.session_id)
        assert isinstance(answer, IceAnswer)
        assert answer.ice_servers == []
        assert answer.expires_at.endswith("Z")
