"""Bans act at once; deleting a host ends its session and removes it where it was a guest."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import error, register
from tests.sessions.conftest import join, launch, open_to_all


async def test_banning_a_member_removes_it_from_the_live_session(
    client: httpx.AsyncClient, app: Any
) -> None:
    host, guest = await register(client), await register(client)
    await open_to_all(client, host)
    session = await launch(client, host)
    await join(client, guest, host.uuid, guest.uuid)
    response = await client.post(
        f"/hosts/{host.uuid}/banlist?banned={guest.uuid}", headers=host.auth
    )
    assert response.status_code == 200
    view = (await client.get(f"/sessions/{session['session_id']}", headers=host.auth)).json()
    assert guest.uuid not in [m["player"] for m in view["members"]]
    changes = await app.state.store.changes_since(session["source_of_truth_key"], 1)
    assert changes[-1].as_json() == {
        "type": "member_kicked",
        "version": changes[-1].version,
        "player": guest.uuid,
        "reason": "banned",
    }
    error(await join(client, guest, host.uuid, guest.uuid), 404, "not_welcome")


async def test_banning_a_noname_member_removes_it(client: httpx.AsyncClient) -> None:
    host = await register(client)
    await open_to_all(client, host)
    session = await launch(client, host)
    await join(client, host, host.uuid, "troll")
    await client.post(f"/hosts/{host.uuid}/banlist?banned=troll", headers=host.auth)
    view = (await client.get(f"/sessions/{session['session_id']}", headers=host.auth)).json()
    assert [m["player"] for m in view["members"]] == [host.uuid]


async def test_banning_someone_outside_the_session_changes_nothing_else(
    client: httpx.AsyncClient,
) -> None:
    host = await register(client)
    await open_to_all(client, host)
    session = await launch(client, host)
    await join(client, host, host.uuid, "friendly")
    await client.post(f"/hosts/{host.uuid}/banlist?banned=stranger", headers=host.auth)
    view = (await client.get(f"/sessions/{session['session_id']}", headers=host.auth)).json()
    assert [m["player"] for m in view["members"]] == [host.uuid, "friendly"]


async def test_deleting_a_host_ends_its_session(client: httpx.AsyncClient, app: Any) -> None:
    host, guest = await register(client), await register(client)
    await open_to_all(client, host)
    session = await launch(client, host)
    await join(client, guest, host.uuid, guest.uuid)
    assert (await client.delete(f"/hosts/{host.uuid}", headers=host.auth)).status_code == 204
    # Only the host and admins are told a session ended; the host is gone, so: no_session.
    error(
        await client.get(f"/sessions/{session['session_id']}", headers=guest.auth),
        404,
        "no_session",
    )
    changes = await app.state.store.changes_since(session["source_of_truth_key"], 1)
    assert changes[-1].data == {"reason": "host_deleted"}
    other = await register(client)
    await open_to_all(client, other)
    await launch(client, other)
    assert (await join(client, guest, other.uuid, guest.uuid)).status_code == 200


async def test_deleting_a_guest_account_removes_it_from_the_session(
    client: httpx.AsyncClient,
) -> None:
    host, guest = await register(client), await register(client)
    await open_to_all(client, host)
    session = await launch(client, host)
    await join(client, guest, host.uuid, guest.uuid)
    assert (await client.delete(f"/hosts/{guest.uuid}", headers=guest.auth)).status_code == 204
    view = (await client.get(f"/sessions/{session['session_id']}", headers=host.auth)).json()
    assert [m["player"] for m in view["members"]] == [host.uuid]
