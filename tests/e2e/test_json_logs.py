"""JSON logs of a real `lobbyd serve --workers 2` (PostgreSQL, Redis) after real traffic: JSON
lines, request ids in and out, one line per request, and no token, secret or ticket anywhere."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.backends import delete_keys, postgres_database, redis_prefix, shared_redis
from tests.conftest import JWT_SECRET
from tests.processes import Server, lobbyd_serve

pytestmark = pytest.mark.e2e


@contextlib.asynccontextmanager
async def serving(*args: str, **env: str) -> AsyncIterator[Server]:
    url, prefix = shared_redis(), redis_prefix()
    async with postgres_database() as database_url:
        settings = {
            "LOBBYD_DATABASE_URL": database_url,
            "LOBBYD_REDIS_URL": url,
            "LOBBYD_REDIS_PREFIX": prefix,
            "LOBBYD_JWT_SECRET": JWT_SECRET,
            "LOBBYD_REGISTER_RATE": "0",
            **env,
        }
        with lobbyd_serve(settings, "--workers", "2", *args) as server:
            yield server
        await delete_keys(url, prefix)


async def traffic(server: Server) -> list[str]:
    """Register, log in, read, launch, join, open sockets every way a token travels; every
    credential the traffic carried."""
    secrets: list[str] = []
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        accounts = []
        for _ in range(2):
            body = (await http.post("/hosts")).json()
            login = await http.get(
                f"/hosts/{body['uuid']}/access_token", auth=(body["uuid"], body["secret"])
            )
            token = login.json()["token"]
            secrets += [body["secret"], token]
            accounts.append((body["uuid"], {"Authorization": f"Bearer {token}"}, token))
        (host, host_auth, host_token), (guest, guest_auth, _) = accounts
        await http.put(
            f"/hosts/{host}/only_friends", json={"only_friends": False}, headers=host_auth
        )
        launched = await http.post("/sessions", json={"host": host}, headers=host_auth)
        key = launched.json()["source_of_truth_key"]
        joined = await http.post(
            "/sessions/players", json={"host": host, "guest": guest}, headers=guest_auth
        )
        secrets.append(joined.json()["ticket"])
        await http.get(f"/sync/{key}?token={host_token}")  # a token where none belongs
        ws = server.url.replace("http://", "ws://") + f"/sync/{key}/ws"
        for url, extra in (
            (f"{ws}?token={host_token}", {}),
            (ws, {"subprotocols": ["lobbyd", f"bearer.{host_token}"]}),
            (f"{ws}?token=not-a-valid-token-but-secret-all-the-same", {}),
        ):
            with contextlib.suppress(InvalidStatus, ConnectionClosed):
                async with connect(url, **extra) as socket:  # type: ignore[arg-type]
                    await socket.recv()
        secrets.append("not-a-valid-token-but-secret-all-the-same")
    return secrets


async def test_json_logs_carry_request_ids_and_no_secret() -> None:
    async with serving(LOBBYD_LOG_FORMAT="json") as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            echoed = await http.get("/healthz", headers={"X-Request-ID": "trace-42.a"})
            made = await http.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
        assert echoed.headers["x-request-id"] == "trace-42.a"
        assert made.headers["x-request-id"] not in ("", "bad id <script>")
        secrets = await traffic(server)
        output = server.output()
    lines = [line for line in output.splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is JSON
    for entry in entries:
        assert {"ts", "level", "logger", "msg"} <= set(entry), entry
    requests = [entry for entry in entries if entry["logger"] == "lobbyd.request"]
    assert {"request_id", "method", "route", "status", "duration_ms"} <= set(requests[0])
    assert any(entry["request_id"] == "trace-42.a" for entry in requests)
    assert any(entry["request_id"] == made.headers["x-request-id"] for entry in requests)
    routes = {(entry["method"], entry["route"], entry["status"]) for entry in requests}
    assert ("POST", "/sessions/players", 200) in routes
    assert ("GET", "/sync/{key}", 401) in routes  # a token in the query is no credential
    for secret in secrets:
        assert secret not in output
