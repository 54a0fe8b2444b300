"""No host can pull a registered player into its session, nor keep one active by its word."""

from __future__ import annotations

from typing import Any

import httpx

from lobbyd.kit.clock import ManualClock
from tests.helpers import HostAccount, bearer, error, register
from tests.sessions.conftest import join, launch, open_to_all

TIMEOUT = 60.0


async def _open_session(client: httpx.AsyncClient) -> tuple[HostAccount, int]:
    host = await register(client)
    await open_to_all(client, host)
    return host, (await launch(client, host))["session_id"]


async def test_host_cannot_join_a_registered_guest_403(client: httpx.AsyncClient) -> None:
    attacker, sid = await _open_session(client)
    victim = await register(client)
    error(await join(client, attacker, attacker.uuid, victim.uuid), 403, "forbidden")
    view = (await client.get(f"/sessions/{sid}", headers=attacker.auth)).json()
    assert [m["player"] for m in view["members"]] == [attacker.uuid]


async def test_a_refused_forced_join_leaves_the_victim_free(client: httpx.AsyncClient) -> None:
    attacker, _ = await _open_session(client)
    elsewhere, _ = await _open_session(client)
    victim = await register(client)
    await join(client, attacker, attacker.uuid, victim.uuid)
    assert (await join(client, victim, elsewhere.uuid, victim.uuid)).status_code == 200
    other = await register(client)
    await join(client, attacker, attacker.uuid, other.uuid)
    await launch(client, other)


async def test_host_still_joins_nonames(client: httpx.AsyncClient) -> None:
    host, _ = await _open_session(client)
    assert (await join(client, host, host.uuid, "Player Two")).status_code == 200


async def test_registered_guest_joins_with_its_own_token(client: httpx.AsyncClient) -> None:
    host, _ = await _open_session(client)
    guest = await register(client)
    assert (await join(client, guest, host.uuid, guest.uuid)).status_code == 200


async def test_admin_may_join_a_registered_guest(client: httpx.AsyncClient, app: Any) -> None:
    host, _ = await _open_session(client)
    guest = await register(client)
    admin = bearer(app.state.runtime.tokens.issue("admin", frozenset({"session:*"})))
    response = await client.post(
        "/sessions/players", json={"host": host.uuid, "guest": guest.uuid}, headers=admin
    )
    assert response.status_code == 200, response.text


async def test_host_heartbeat_does_not_keep_a_registered_guest_active(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    host, sid = await _open_session(client)
    guest = await register(client)
    await join(client, guest, host.uuid, guest.uuid)
    await join(client, host, host.uuid, "noname")
    body = {"players": [guest.uuid, "noname"]}
    for _ in range(2):
        clock.advance(TIMEOUT - 1)
        response = await client.post(f"/sessions/{sid}/heartbeat", json=body, headers=host.auth)
        assert response.status_code == 200, response.text
    view = (await client.get(f"/sessions/{sid}", headers=host.auth)).json()
    status = {m["player"]: m["status"] for m in view["members"]}
    assert status == {host.uuid: "active", guest.uuid: "inactive", "noname": "active"}
