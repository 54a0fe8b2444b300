"""Helpers for directory tests: sessions, holds and queries through the public API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from lobbyd.kit.clock import ManualClock
from tests.helpers import HostAccount, bearer, register
from tests.sessions.conftest import join, launch, open_to_all

TIMEOUT = 60.0  # LOBBYD_SESSION_TIMEOUT and LOBBYD_RESERVATION_TIMEOUT defaults


@dataclass
class Hosted:
    """A registered host and its active session."""

    host: HostAccount
    session_id: int

    @property
    def auth(self) -> dict[str, str]:
        """The host's Authorization header."""
        return self.host.auth

    @property
    def uuid(self) -> str:
        """The host's uuid."""
        return self.host.uuid


def token(app: FastAPI, subject: str, *scopes: str) -> dict[str, str]:
    """The Authorization header of a token with exactly these scopes (as `lobbyd token
    --admin --scope ...` mints them for services)."""
    issued: str = app.state.runtime.tokens.issue(subject, frozenset(scopes))
    return bearer(issued)


@pytest.fixture
def admin(app: FastAPI) -> dict[str, str]:
    """An admin's Authorization header (session:*)."""
    return token(app, "admin", "session:*")


async def hosted(client: httpx.AsyncClient, *, open_: bool = True, **options: Any) -> Hosted:
    """A new host with a launched session (open to all by default)."""
    host = await register(client)
    if open_:
        await open_to_all(client, host)
    return Hosted(host, (await launch(client, host, **options))["session_id"])


async def joined(client: httpx.AsyncClient, session: Hosted, guest: HostAccount | str) -> None:
    """Join a registered guest (by itself) or a noname (by the host)."""
    if isinstance(guest, HostAccount):
        response = await join(client, guest, session.uuid, guest.uuid)
    else:
        response = await join(client, session.host, session.uuid, guest)
    assert response.status_code == 200, response.text


async def invite(
    client: httpx.AsyncClient, caller: dict[str, str], session_id: int, player: str
) -> httpx.Response:
    """POST /sessions/{id}/invites."""
    return await client.post(
        f"/sessions/{session_id}/invites", json={"player": player}, headers=caller
    )


async def reserve(
    client: httpx.AsyncClient, caller: dict[str, str], session_id: int, player: str
) -> httpx.Response:
    """POST /sessions/{id}/reservations."""
    return await client.post(
        f"/sessions/{session_id}/reservations", json={"player": player}, headers=caller
    )


async def query(
    client: httpx.AsyncClient, caller: dict[str, str], expect: int = 200, **params: Any
) -> dict[str, Any]:
    """GET /sessions with these filters; its body."""
    response = await client.get("/sessions", params=params, headers=caller)
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


async def found_ids(client: httpx.AsyncClient, caller: dict[str, str], **params: Any) -> list[int]:
    """The session ids GET /sessions finds (one page)."""
    return [result["session_id"] for result in (await query(client, caller, **params))["results"]]


async def player_sessions(
    client: httpx.AsyncClient, caller: dict[str, str], player: str
) -> dict[str, Any]:
    """GET /players/{player}/sessions; its body."""
    response = await client.get(f"/players/{player}/sessions", headers=caller)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def idle(
    client: httpx.AsyncClient, session: Hosted, clock: ManualClock, seconds: float
) -> None:
    """Let time pass while only the host shows life (its guests stay silent)."""
    step = TIMEOUT * 2 / 3
    while seconds > 0:
        clock.advance(min(step, seconds))
        seconds -= step
        response = await client.post(
            f"/sessions/{session.session_id}/heartbeat", headers=session.auth
        )
        assert response.status_code == 200, response.text
