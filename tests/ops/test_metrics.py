"""GET /metrics in process: the families, their labels, the route template, the token."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.conftest import client_for
from tests.directory.conftest import token
from tests.helpers import bearer, error, register
from tests.sessions.conftest import join, launch, open_to_all
from tests.sync.conftest import serve

METRICS_TOKEN = "scrape-me-" + "s" * 24


def samples(text: str, name: str) -> dict[str, float]:
    """Every sample of one metric name: its label string -> value."""
    found: dict[str, float] = {}
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(\{{.*\}})? (\S+)", line)
        if match:
            found[match.group(1) or ""] = float(match.group(2))
    return found


async def scrape(client: httpx.AsyncClient, **headers: str) -> str:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_requests_are_counted_by_route_template_never_raw_path(
    client: httpx.AsyncClient,
) -> None:
    host = await register(client)
    for _ in range(3):
        assert (await client.get(f"/hosts/{host.uuid}", headers=host.auth)).status_code == 200
    text = await scrape(client)
    counted = samples(text, "lobbyd_http_requests_total")
    assert counted['{method="GET",route="/hosts/{host}",status="200"}'] == 3
    assert host.uuid not in text
    timed = samples(text, "lobbyd_http_request_duration_seconds_count")
    assert timed['{method="GET",route="/hosts/{host}"}'] == 3


async def test_unknown_paths_and_methods_add_no_label_values(client: httpx.AsyncClient) -> None:
    await client.get("/no/such/path/12345")
    await client.request("BREW", "/healthz")
    text = await scrape(client)
    counted = samples(text, "lobbyd_http_requests_total")
    assert counted['{method="GET",route="unmatched",status="404"}'] == 1
    assert counted['{method="other",route="/healthz",status="405"}'] == 1
    assert "12345" not in text
    assert "BREW" not in text


async def test_joins_are_counted_by_outcome(client: httpx.AsyncClient) -> None:
    host, guest, banned = await register(client), await register(client), await register(client)
    await open_to_all(client, host)
    assert (
        await client.post(
            f"/hosts/{host.uuid}/banlist", params={"banned": banned.uuid}, headers=host.auth
        )
    ).status_code == 200
    await launch(client, host)
    assert (await join(client, guest, host.uuid, guest.uuid)).status_code == 200
    assert (await join(client, guest, host.uuid, guest.uuid)).status_code == 400
    error(await join(client, banned, host.uuid, banned.uuid), 404, "not_welcome")
    text = await scrape(client)
    joins = samples(text, "lobbyd_joins_total")
    assert joins['{outcome="200"}'] == 1
    assert joins['{outcome="not_welcome"}'] == 1
    assert sum(joins.values()) == 3


async def test_sessions_active_is_read_from_the_database(client: httpx.AsyncClient) -> None:
    for _ in range(2):
        await launch(client, await register(client))
    text = await scrape(client)
    assert samples(text, "lobbyd_sessions_active") == {"": 2}


async def test_sockets_open_and_messages_sent(app: FastAPI, client: httpx.AsyncClient) -> None:
    host = await register(client)
    key = (await launch(client, host))["source_of_truth_key"]
    async with serve(app) as served:
        url = served.socket_url(key, token=host.token)
        async with connect(url) as socket:
            await socket.recv()  # the snapshot
            text = await scrape(client)
            assert samples(text, "lobbyd_sync_sockets_open") == {"": 1}
            assert samples(text, "lobbyd_sync_messages_sent_total")[""] >= 1
        # Refused at the handshake or accepted and closed at once: either way not left open.
        with contextlib.suppress(InvalidStatus, ConnectionClosed):
            async with connect(served.socket_url(key, token="not-a-token")) as refused:
                await refused.recv()
    text = await scrape(client)
    assert samples(text, "lobbyd_sync_sockets_open") == {"": 0}
    assert host.token not in text


@pytest.mark.parametrize("settings_overrides", [{"metrics_token": METRICS_TOKEN}])
async def test_metrics_token_is_required_when_set(
    app: FastAPI, client: httpx.AsyncClient, settings_overrides: dict[str, Any]
) -> None:
    missing = await client.get("/metrics")
    error(missing, 401, "unauthorized")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    error(await client.get("/metrics", headers=bearer("wrong")), 401, "unauthorized")
    host = await register(client)
    error(await client.get("/metrics", headers=host.auth), 401, "unauthorized")
    await scrape(client, **bearer(METRICS_TOKEN))
    await scrape(client, **token(app, "admin", "session:*"))


async def test_metrics_can_be_turned_off(make_app: Any) -> None:
    app = await make_app(metrics=False)
    async with client_for(app) as client:
        error(await client.get("/metrics"), 404)
