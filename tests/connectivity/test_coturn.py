"""coturn accepts the TURN credentials lobbyd mints, and refuses tampered or expired ones.

A private `turnserver` (use-auth-secret, the same secret as lobbyd's LOBBYD_TURN_SECRET) and
`turnutils_uclient` from Debian's coturn package: the client allocates a relay and sends packets
through it to an echo peer (`turnutils_peer`), so an accepted credential really relays bytes.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from lobbyd.kit.clock import ManualClock
from lobbyd.kit.turn import mint
from tests.conftest import client_for
from tests.connectivity.coturn import Coturn, allocate, coturn, udp_echo_peer
from tests.helpers import HostAccount, register
from tests.sessions.conftest import launch

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def turn() -> Iterator[Coturn]:
    with coturn() as server:
        yield server


@pytest.fixture(scope="module")
def peer(turn: Coturn) -> Iterator[int]:
    with udp_echo_peer() as port:
        yield port


@pytest.fixture
async def turn_app(make_app: Callable[..., Any], turn: Coturn) -> FastAPI:
    app: FastAPI = await make_app(turn_urls=turn.url, turn_secret=turn.secret, turn_ttl=600)
    return app


async def minted(app: FastAPI) -> tuple[HostAccount, dict[str, Any]]:
    """A host with a session, and the TURN entry GET /sessions/{id}/ice gives it."""
    async with client_for(app) as client:
        host = await register(client)
        session = await launch(client, host)
        response = await client.get(f"/sessions/{session['session_id']}/ice", headers=host.auth)
        assert response.status_code == 200, response.text
        servers = response.json()["ice_servers"]
    assert len(servers) == 1
    entry: dict[str, Any] = servers[0]
    return host, entry


def relayed(output: str) -> int:
    """How many packets came back through the relay (turnutils_uclient's final count)."""
    counts = re.findall(r"tot_recv_msgs=(\d+)", output)
    return int(counts[-1]) if counts else 0


async def test_coturn_relays_with_the_minted_credential(
    turn_app: FastAPI, turn: Coturn, peer: int
) -> None:
    host, entry = await minted(turn_app)
    assert entry["urls"] == [turn.url]
    assert entry["username"].endswith(f":{host.uuid}")
    result = await asyncio.to_thread(allocate, turn, entry["username"], entry["credential"], peer)
    assert result.allocated, result.output
    assert relayed(result.output) > 0, result.output
    assert "lost packets 0 " in result.output, result.output


async def test_coturn_refuses_a_tampered_credential(
    turn_app: FastAPI, turn: Coturn, peer: int
) -> None:
    host, entry = await minted(turn_app)
    expiry, _, _ = entry["username"].partition(":")
    tampered = [
        (entry["username"], entry["credential"][:-4] + "AAA="),  # the credential changed
        (f"{expiry}:someone-else", entry["credential"]),  # another player's name
        (f"{int(expiry) + 86400}:{host.uuid}", entry["credential"]),  # a later expiry
        (entry["username"], mint("not-the-secret", host.uuid, int(expiry)).credential),
    ]
    for username, credential in tampered:
        result = await asyncio.to_thread(allocate, turn, username, credential, peer, 1)
        assert not result.allocated, (username, result.output)
        assert "Cannot complete Allocation" in result.output, result.output


async def test_coturn_refuses_an_expired_credential(
    turn_app: FastAPI, turn: Coturn, peer: int, clock: ManualClock
) -> None:
    clock.advance(-700)  # lobbyd's clock 700 s behind: a 600 s credential has expired by now
    _, entry = await minted(turn_app)
    assert int(entry["username"].split(":")[0]) < clock.now() + 700
    result = await asyncio.to_thread(
        allocate, turn, entry["username"], entry["credential"], peer, 1
    )
    assert not result.allocated, result.output
    assert "Cannot complete Allocation" in result.output, result.output


def test_while_rotating_coturn_accepts_the_old_and_the_new_secret(peer: int) -> None:
    """The rotation docs/connectivity.md describes: coturn with both secrets accepts
    credentials minted with either, and still nothing else."""
    with coturn("old-secret", "new-secret") as rotating:
        expiry = int(time.time()) + 600
        for secret, accepted in (("old-secret", True), ("new-secret", True), ("other", False)):
            credential = mint(secret, "player-1", expiry)
            result = allocate(rotating, credential.username, credential.credential, peer, 1)
            assert result.allocated is accepted, (secret, result.output)
