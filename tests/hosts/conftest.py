"""Helpers shared by the hosts API tests."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.helpers import HostAccount, bearer, register

#: A well-formed uuid that no test ever registers.
UNKNOWN_HOST = "00000000-0000-4000-8000-000000000000"


def admin_token(app: FastAPI) -> str:
    """A token like the ones `lobbyd token --admin` prints."""
    token: str = app.state.runtime.tokens.issue("admin", frozenset({"session:*"}))
    return token


@pytest.fixture
def admin(app: FastAPI) -> dict[str, str]:
    """The Authorization header of an admin."""
    return bearer(admin_token(app))


@pytest.fixture
async def host(client: httpx.AsyncClient) -> HostAccount:
    """A registered, logged-in host."""
    return await register(client)


@pytest.fixture
async def other(client: httpx.AsyncClient) -> HostAccount:
    """A second registered, logged-in host."""
    return await register(client)


async def fetch(client: httpx.AsyncClient, account: HostAccount) -> dict[str, object]:
    """The host resource as its owner sees it."""
    response = await client.get(f"/hosts/{account.uuid}", headers=account.auth)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def delete(client: httpx.AsyncClient, account: HostAccount) -> None:
    """Delete the host's account with its own token."""
    response = await client.delete(f"/hosts/{account.uuid}", headers=account.auth)
    assert response.status_code == 204, response.text
