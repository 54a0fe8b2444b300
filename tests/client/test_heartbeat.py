"""`Heartbeat` (`LobbydClient.keep_alive`): a background task that keeps a session alive."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI

from lobbyd.kit.clock import ManualClock
from lobbyd_client import ApiError, Heartbeat, HeartbeatAnswer, LobbydClient
from tests.client.conftest import in_process


@asynccontextmanager
async def hosting(app: FastAPI) -> AsyncIterator[tuple[LobbydClient, str, int]]:
    """A logged-in host's client, its uuid and its new session's id."""
    async with in_process(app) as lobby:
        credentials = await lobby.register()
        await lobby.login(credentials.uuid, credentials.secret)
        session = await lobby.launch(credentials.uuid)
        yield lobby, credentials.uuid, session.session_id


async def _beats_past(heartbeat: Heartbeat, count: int) -> None:
    """Wait (at most 5 s) until the heartbeat sent more than `count` beats."""
    for _ in range(1000):
        if heartbeat.beats > count:
            return
        await asyncio.sleep(0.005)
    pytest.fail(f"still {heartbeat.beats} beats after 5 s: {heartbeat!r}")


async def test_it_beats_in_the_background_until_stopped(app: FastAPI) -> None:
    async with hosting(app) as (lobby, _, session_id):
        async with lobby.keep_alive(session_id, interval=0.02) as heartbeat:
            assert heartbeat.beats == 1  # at once, before the block runs
            assert isinstance(heartbeat.last, HeartbeatAnswer)
            assert heartbeat.running
            await _beats_past(heartbeat, 3)
        stopped_at = heartbeat.beats
        await asyncio.sleep(0.1)
    assert not heartbeat.running
    assert heartbeat.beats == stopped_at
    assert (heartbeat.error, heartbeat.failures) == (None, 0)


async def test_by_default_it_beats_every_third_of_the_servers_timeout(app: FastAPI) -> None:
    async with hosting(app) as (lobby, _, session_id), lobby.keep_alive(session_id) as heartbeat:
        timeout = app.state.settings.session_timeout
        assert heartbeat.last == HeartbeatAnswer(timeout=timeout)
        assert heartbeat.next_interval() == pytest.approx(timeout / 3)


async def test_it_keeps_the_session_alive_past_the_timeout(
    app: FastAPI, clock: ManualClock
) -> None:
    timeout = app.state.settings.session_timeout
    async with hosting(app) as (lobby, _, session_id):
        async with lobby.keep_alive(session_id, interval=0.01) as heartbeat:
            for _ in range(6):  # three timeouts pass, with the heartbeat running throughout
                seen = heartbeat.beats
                clock.advance(timeout / 2)
                await _beats_past(heartbeat, seen)
            assert (await lobby.get_session(session_id)).session_id == session_id
        clock.advance(timeout + 1)  # stopped: a whole timeout of silence ends it
        with pytest.raises(ApiError) as ended:
            await lobby.get_session(session_id)
    assert ended.value.status == 404


async def test_it_stops_with_the_refusal_once_the_session_ended(app: FastAPI) -> None:
    async with hosting(app) as (lobby, _, session_id):
        async with lobby.keep_alive(session_id, interval=0.01) as heartbeat:
            await lobby.end_session(session_id)
            async with asyncio.timeout(5):
                error = await heartbeat.wait()
            assert not heartbeat.running
        with pytest.raises(ApiError) as refused:
            await lobby.keep_alive(session_id).start()  # the first beat raises
    assert error is heartbeat.error
    assert error is not None
    assert (error.status, error.code) == (404, "session_ended")  # the host is told it ended
    assert refused.value.status == 404


async def test_it_renews_the_token_before_it_expires(app: FastAPI) -> None:
    async with hosting(app) as (lobby, _, session_id):
        first = lobby.token
        assert lobby.token_expires_at is not None
        assert lobby.token_expires_at > time.monotonic() + 60  # from login's expires_in
        lobby.token_expires_at = time.monotonic() + 30  # within the default 60 s margin
        async with lobby.keep_alive(session_id, interval=0.01) as heartbeat:
            await _beats_past(heartbeat, 3)
        assert heartbeat.renewals == 1  # once: the renewed token is good for long
        assert lobby.token != first
        assert lobby.token_expires_at > time.monotonic() + 60


def test_the_interval_must_be_positive() -> None:
    lobby = LobbydClient("http://lobbyd.test")
    with pytest.raises(ValueError, match="positive"):
        lobby.keep_alive(1, interval=0)
