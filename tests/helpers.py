"""Small steps most tests share: register, log in, authorize."""

from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass
class HostAccount:
    """A registered, logged-in host."""

    uuid: str
    secret: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        """The Authorization header of this host."""
        return {"Authorization": f"Bearer {self.token}"}


async def register(client: httpx.AsyncClient) -> HostAccount:
    """Register a host and log it in."""
    response = await client.post("/hosts")
    assert response.status_code == 200, response.text
    body = response.json()
    token = await login(client, body["uuid"], body["secret"])
    return HostAccount(body["uuid"], body["secret"], token)


async def login(client: httpx.AsyncClient, uuid: str, secret: str) -> str:
    """A token for the host."""
    response = await client.get(f"/hosts/{uuid}/access_token", auth=(uuid, secret))
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    """An Authorization header."""
    return {"Authorization": f"Bearer {token}"}


def error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, str]:
    """Assert an error response of the contract's shape; returns its body."""
    assert response.status_code == status, (response.status_code, response.text)
    body: dict[str, str] = response.json()
    # `reason` comes only with a 404 session_ended (why it ended).
    extra = {"reason"} if (status, body.get("code")) == (404, "session_ended") else set()
    assert set(body) == {"message", "code"} | extra, body
    if code is not None:
        assert body["code"] == code, body
    return body
