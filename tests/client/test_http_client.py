"""LobbydClient: the whole HTTP flow a game tool goes through, and its errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI

from lobbyd.client import ApiError, Document, LobbydClient
from tests.client.conftest import in_process


@asynccontextmanager
async def host_client(app: FastAPI) -> AsyncIterator[tuple[LobbydClient, str]]:
    """A client logged in as a new host, open to everyone; and the host's uuid."""
    async with in_process(app) as lobby:
        credentials = await lobby.register()
        await lobby.login(credentials.uuid, credentials.secret)
        await lobby.set_only_friends(credentials.uuid, False)
        await lobby.set_allow_nonames(credentials.uuid, True)
        yield lobby, credentials.uuid


async def test_register_login_launch_join_and_sync(app: FastAPI) -> None:
    async with host_client(app) as (host, host_id), host_client(app) as (guest, guest_id):
        launched = await host.launch(host_id, capacity=4, labels={"map": "dust"})
        assert launched.created
        again = await host.launch(host_id)
        assert (again.created, again.session_id) == (False, launched.session_id)
        joined = await guest.join(host_id, guest_id)
        assert joined.session_id == launched.session_id
        assert joined.ticket
        key = launched.source_of_truth_key
        assert await host.put_state(key, {"round": 1}) == 3
        assert await host.patch_state(key, {"score": {"red": 1}}, if_version=3) == 4
        assert await guest.put_member(key, guest_id, {"ready": True}) == 5
        document = await guest.get_document(key)
    assert document == Document(
        5, {"round": 1, "score": {"red": 1}}, {host_id: {}, guest_id: {"ready": True}}
    )


async def test_sessions_calls(app: FastAPI) -> None:
    async with host_client(app) as (host, host_id), host_client(app) as (guest, guest_id):
        session = await host.launch(host_id)
        await guest.join(host_id, guest_id)
        view = await host.update_session(session.session_id, keywords=["eu"])
        assert view["keywords"] == ["eu"]
        assert (await host.heartbeat(session.session_id, ["noname"]))["timeout"] > 0
        assert len((await host.get_session(session.session_id))["members"]) == 2
        await guest.remove_player(session.session_id, guest_id)
        await host.end_session(session.session_id)
        with pytest.raises(ApiError) as ended:
            await host.get_session(session.session_id)
    assert (ended.value.status, ended.value.code) == (404, "session_ended")


async def test_hosts_calls(app: FastAPI) -> None:
    async with host_client(app) as (host, host_id), host_client(app) as (_, friend_id):
        assert friend_id in (await host.befriend(host_id, friend_id))["friends"]
        assert friend_id not in (await host.unfriend(host_id, friend_id))["friends"]
        assert "x/y" in (await host.ban(host_id, "x/y"))["banlist"]
        assert "x/y" not in (await host.unban(host_id, "x/y"))["banlist"]
        assert (await host.get_host(host_id))["uuid"] == host_id
        token = await host.renew()
        assert token == host.token
        await host.delete_host(host_id)
        with pytest.raises(ApiError) as gone:
            await host.get_host(host_id)
    assert gone.value.status in (401, 404)


async def test_refusals_raise_api_error_with_status_and_code(app: FastAPI) -> None:
    async with host_client(app) as (host, host_id), host_client(app) as (outsider, _):
        key = (await host.launch(host_id)).source_of_truth_key
        with pytest.raises(ApiError) as hidden:
            await outsider.get_document(key)
        with pytest.raises(ApiError) as stale:
            await host.put_state(key, {}, if_version=9)
        with pytest.raises(ApiError) as invalid:
            await host.launch(host_id, capacity="many")
    assert (hidden.value.status, hidden.value.code) == (404, "no_document")
    assert (stale.value.status, stale.value.code) == (412, "precondition_failed")
    assert (invalid.value.status, invalid.value.code) == (422, "validation_error")


async def test_wrong_secret_is_401(app: FastAPI) -> None:
    async with in_process(app) as lobby:
        credentials = await lobby.register()
        with pytest.raises(ApiError) as refused:
            await lobby.login(credentials.uuid, "wrong")
    assert refused.value.status == 401


async def test_a_socket_needs_a_token_first(app: FastAPI) -> None:
    async with in_process(app) as lobby:
        with pytest.raises(ValueError, match="log in"):
            lobby.sync_socket("key")
