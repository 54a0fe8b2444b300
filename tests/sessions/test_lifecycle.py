"""GET/PATCH/DELETE of sessions, leave and kick, heartbeats and timeouts (no sleeping)."""

from __future__ import annotations

from typing import Any

import httpx

from lobbyd.kit.clock import ManualClock
from tests.conftest import client_for
from tests.helpers import HostAccount, error, register
from tests.sessions.conftest import join, launch, open_to_all

TIMEOUT = 60.0


async def _session(client: httpx.AsyncClient, **options: Any) -> tuple[HostAccount, int]:
    host = await register(client)
    await open_to_all(client, host)
    return host, (await launch(client, host, **options))["session_id"]


async def test_member_sees_members_connection_and_key(client: httpx.AsyncClient) -> None:
    host, sid = await _session(
        client, connection={"address": "game.example.com", "ports": {"game": 7777}}
    )
    guest = await register(client)
    await join(client, guest, host.uuid, guest.uuid)
    view = (await client.get(f"/sessions/{sid}", headers=guest.auth)).json()
    assert [m["player"] for m in view["members"]] == [host.uuid, guest.uuid]
    assert view["connection"]["address"] == "game.example.com"
    assert view["source_of_truth_key"]
    assert (view["accepted"], view["player_count"]) == (2, 2)
    assert view["view"] == "member"


async def test_non_member_sees_only_public_fields_of_an_open_session(
    client: httpx.AsyncClient,
) -> None:
    host, sid = await _session(client, connection={"address": "10.0.0.1", "ports": {}})
    outsider = await register(client)
    view = (await client.get(f"/sessions/{sid}", headers=outsider.auth)).json()
    assert view["session_id"] == sid
    assert view["host"] == host.uuid
    assert view["view"] == "public"
    for hidden in ("members", "connection", "source_of_truth_key", "turn"):
        assert hidden not in view


async def test_private_session_is_404_to_non_members(client: httpx.AsyncClient) -> None:
    _, sid = await _session(client, visibility="private")
    outsider = await register(client)
    error(await client.get(f"/sessions/{sid}", headers=outsider.auth), 404, "no_session")


async def test_unknown_session_is_404(client: httpx.AsyncClient) -> None:
    host = await register(client)
    error(await client.get("/sessions/999999", headers=host.auth), 404, "no_session")


async def test_etag_and_if_none_match_give_304_until_something_changes(
    client: httpx.AsyncClient,
) -> None:
    host, sid = await _session(client)
    first = await client.get(f"/sessions/{sid}", headers=host.auth)
    tag = first.headers["ETag"]
    again = await client.get(f"/sessions/{sid}", headers={**host.auth, "If-None-Match": tag})
    assert again.status_code == 304
    await join(client, host, host.uuid, "newcomer")
    changed = await client.get(f"/sessions/{sid}", headers={**host.auth, "If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != tag


async def test_host_patches_mutable_options(client: httpx.AsyncClient) -> None:
    host, sid = await _session(client)
    await join(client, host, host.uuid, "p2")
    change = {
        "visibility": "private",
        "keywords": ["late-game"],
        "labels": {"round": "3"},
        "connection": {"address": "::1", "ports": {"game": 9000}},
        "turn": ["p2"],
    }
    response = await client.patch(f"/sessions/{sid}", json=change, headers=host.auth)
    assert response.status_code == 200
    view = response.json()
    assert view["visibility"] == "private"
    assert view["keywords"] == ["late-game"]
    assert view["labels"] == {"round": "3"}
    assert view["connection"] == {"address": "::1", "ports": {"game": 9000}}
    assert view["turn"] == ["p2"]


async def test_patch_leaves_unmentioned_fields_alone_and_null_clears_connection(
    client: httpx.AsyncClient,
) -> None:
    host, sid = await _session(
        client, keywords=["a"], connection={"address": "1.2.3.4", "ports": {}}
    )
    view = (
        await client.patch(f"/sessions/{sid}", json={"connection": None}, headers=host.auth)
    ).json()
    assert view["connection"] is None
    assert view["keywords"] == ["a"]


async def test_patch_by_a_guest_is_403(client: httpx.AsyncClient) -> None:
    host, sid = await _session(client)
    guest = await register(client)
    await join(client, guest, host.uuid, guest.uuid)
    error(await client.patch(f"/sessions/{sid}", json={"keywords": []}, headers=guest.auth), 403)


async def test_patch_turn_with_a_non_member_is_400(client: httpx.AsyncClient) -> None:
    host, sid = await _session(client)
    response = await client.patch(f"/sessions/{sid}", json={"turn": ["ghost"]}, headers=host.auth)
    error(response, 400, "not_member")


async def test_patch_rejects_unknown_fields_and_capacity_422(client: httpx.AsyncClient) -> None:
    host, sid = await _session(client)
    for body in ({"capacity": 4}, {"nope": 1}, {"visibility": "hidden"}):
        response = await client.patch(f"/sessions/{sid}", json=body, headers=host.auth)
        assert response.status_code == 422, body


async def test_guest_leaves(client: httpx.AsyncClient, app: Any) -> None:
    host, sid = await _session(client)
    guest = await register(client)
    joined = (await join(client, guest, host.uuid, guest.uuid)).json()
    response = await client.delete(f"/sessions/{sid}/players/{guest.uuid}", headers=guest.auth)
    assert response.status_code == 204
    view = (await client.get(f"/sessions/{sid}", headers=host.auth)).json()
    assert [m["player"] for m in view["members"]] == [host.uuid]
    document = await app.state.store.get(joined["source_of_truth_key"])
    assert guest.uuid not in document.members


async def test_host_kicks_a_guest_and_the_log_says_kicked(
    client: httpx.AsyncClient, app: Any
) -> None:
    host, sid = await _session(client)
    key = (await join(client, host, host.uuid, "griefer")).json()["source_of_truth_key"]
    response = await client.delete(f"/sessions/{sid}/players/griefer", headers=host.auth)
    assert response.status_code == 204
    changes = await app.state.store.changes_since(key, 1)
    assert [c.type for c in changes] == ["member_joined", "member_kicked"]


async def test_another_guest_cannot_kick_403(client: httpx.AsyncClient) -> None:
    host, sid = await _session(client)
    guest = await register(client)
    await join(client, guest, host.uuid, guest.uuid)
    await join(client, host, host.uuid, "victim")
    error(await client.delete(f"/sessions/{sid}/players/victim", headers=guest.auth), 403)


async def test_removing_a_non_member_is_404_not_member(client: httpx.AsyncClient) -> None:
    host, sid = await _session(client)
    error(
        await client.delete(f"/sessions/{sid}/players/nobody", headers=host.auth), 404, "not_member"
    )


async def test_host_cannot_leave_its_own_session_400(client: httpx.AsyncClient) -> None:
    host, sid = await _session(client)
    response = await client.delete(f"/sessions/{sid}/players/{host.uuid}", headers=host.auth)
    error(response, 400, "host_cannot_leave")


async def test_host_ends_the_session_and_frees_every_player(
    client: httpx.AsyncClient, app: Any
) -> None:
    host, sid = await _session(client)
    guest = await register(client)
    key = (await join(client, guest, host.uuid, guest.uuid)).json()["source_of_truth_key"]
    assert (await client.delete(f"/sessions/{sid}", headers=host.auth)).status_code == 204
    error(await client.get(f"/sessions/{sid}", headers=host.auth), 404, "session_ended")
    changes = await app.state.store.changes_since(key, 1)
    assert changes[-1].as_json() == {
        "type": "session_ended",
        "version": changes[-1].version,
        "reason": "ended_by_host",
    }
    other, _ = await _session(client)
    assert (await join(client, guest, other.uuid, guest.uuid)).status_code == 200


async def test_a_guest_cannot_end_the_session_403(client: httpx.AsyncClient) -> None:
    host, sid = await _session(client)
    guest = await register(client)
    await join(client, guest, host.uuid, guest.uuid)
    error(await client.delete(f"/sessions/{sid}", headers=guest.auth), 403)


async def test_silent_host_times_out_and_the_session_ends(
    client: httpx.AsyncClient, clock: ManualClock, app: Any
) -> None:
    host, sid = await _session(client)
    key = (await client.get(f"/sessions/{sid}", headers=host.auth)).json()["source_of_truth_key"]
    clock.advance(TIMEOUT + 1)
    error(await client.get(f"/sessions/{sid}", headers=host.auth), 404, "session_ended")
    error(await join(client, host, host.uuid, "late"), 404, "no_session")
    changes = await app.state.store.changes_since(key, 1)
    assert changes[-1].type == "session_ended"
    assert changes[-1].data == {"reason": "host_timeout"}


async def test_heartbeat_keeps_the_session_alive(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    host, sid = await _session(client)
    for _ in range(3):
        clock.advance(TIMEOUT - 1)
        response = await client.post(f"/sessions/{sid}/heartbeat", headers=host.auth)
        assert response.status_code == 200
        assert response.text == '{"timeout":60}'  # an integer, as the docs show it
    assert (await client.get(f"/sessions/{sid}", headers=host.auth)).status_code == 200


async def test_heartbeat_after_the_timeout_does_not_revive_the_session(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    host, sid = await _session(client)
    clock.advance(TIMEOUT + 1)
    answer = await client.post(f"/sessions/{sid}/heartbeat", headers=host.auth)
    assert error(answer, 404, "session_ended")["reason"] == "host_timeout"
    assert (await launch(client, host))["session_id"] != sid


async def test_relaunch_after_a_timeout_makes_a_new_session(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    host, sid = await _session(client)
    clock.advance(TIMEOUT + 1)
    response = await client.post("/sessions", json={"host": host.uuid}, headers=host.auth)
    assert response.status_code == 201
    assert response.json()["session_id"] > sid


async def test_silent_guest_becomes_inactive_then_is_removed(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    host, sid = await _session(client)
    guest = await register(client)
    await join(client, guest, host.uuid, guest.uuid)

    async def status_after(seconds: float) -> str | None:
        # The host stays alive (heartbeats every TIMEOUT - 1 s); the guest says nothing.
        while seconds > 0:
            step = min(seconds, TIMEOUT - 1)
            clock.advance(step)
            seconds -= step
            await client.post(f"/sessions/{sid}/heartbeat", headers=host.auth)
        view = (await client.get(f"/sessions/{sid}", headers=host.auth)).json()
        return next((m["status"] for m in view["members"] if m["player"] == guest.uuid), None)

    assert await status_after(0) == "active"
    assert await status_after(TIMEOUT + 1) == "inactive"
    assert await status_after(TIMEOUT) is None


async def test_guest_heartbeat_keeps_it_active(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    host, sid = await _session(client)
    guest = await register(client)
    await join(client, guest, host.uuid, guest.uuid)
    clock.advance(TIMEOUT - 1)
    await client.post(f"/sessions/{sid}/heartbeat", headers=host.auth)
    assert (await client.post(f"/sessions/{sid}/heartbeat", headers=guest.auth)).status_code == 200
    clock.advance(10)
    view = (await client.get(f"/sessions/{sid}", headers=host.auth)).json()
    assert view["members"][1]["status"] == "active"


async def test_host_heartbeat_vouches_for_a_noname(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    host, sid = await _session(client)
    await join(client, host, host.uuid, "noname")
    clock.advance(TIMEOUT - 1)
    body = {"players": ["noname"]}
    assert (
        await client.post(f"/sessions/{sid}/heartbeat", json=body, headers=host.auth)
    ).status_code == 200
    clock.advance(10)
    view = (await client.get(f"/sessions/{sid}", headers=host.auth)).json()
    assert view["members"][1] == {**view["members"][1], "player": "noname", "status": "active"}


async def test_a_guest_cannot_vouch_for_others_403(client: httpx.AsyncClient) -> None:
    host, sid = await _session(client)
    guest = await register(client)
    await join(client, guest, host.uuid, guest.uuid)
    response = await client.post(
        f"/sessions/{sid}/heartbeat", json={"players": ["x"]}, headers=guest.auth
    )
    error(response, 403)


async def test_a_removed_guest_frees_its_seat_and_may_join_elsewhere(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    host, _ = await _session(client, capacity=2)
    guest = await register(client)
    await join(client, guest, host.uuid, guest.uuid)
    other, _sid_other = await _session(client)
    for _ in range(3):
        clock.advance(TIMEOUT - 1)
        for keeper in (host, other):
            own = (
                await client.post("/sessions", json={"host": keeper.uuid}, headers=keeper.auth)
            ).json()
            await client.post(f"/sessions/{own['session_id']}/heartbeat", headers=keeper.auth)
    assert (await join(client, guest, other.uuid, guest.uuid)).status_code == 200
    assert (await join(client, host, host.uuid, "fresh")).status_code == 200


async def test_sweep_ends_silent_sessions_without_any_request(
    client: httpx.AsyncClient, clock: ManualClock, app: Any
) -> None:
    host, sid = await _session(client)
    key = (await client.get(f"/sessions/{sid}", headers=host.auth)).json()["source_of_truth_key"]
    clock.advance(TIMEOUT + 1)
    await app.state.runtime.sweeper.sweep()
    changes = await app.state.store.changes_since(key, 1)
    assert changes[-1].type == "session_ended"


async def test_heartbeat_timeout_is_a_fraction_only_when_it_is_one(
    make_app: Any, clock: ManualClock
) -> None:
    app = await make_app(session_timeout=7.5)
    async with client_for(app) as client:
        host, sid = await _session(client)
        response = await client.post(f"/sessions/{sid}/heartbeat", headers=host.auth)
        assert response.text == '{"timeout":7.5}'
