"""Client tests run over every database and every sync store, like the sync tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from lobbyd_client import LobbydClient
from tests.sync.conftest import Served, serve, settings_overrides

__all__ = ["settings_overrides"]


@pytest.fixture
async def served(app: FastAPI) -> AsyncIterator[Served]:
    """The test's app behind a real uvicorn."""
    async with serve(app) as running:
        yield running


@pytest.fixture
async def lobby(served: Served) -> AsyncIterator[LobbydClient]:
    """A client of the served app, over real HTTP."""
    async with LobbydClient(served.http_url) as client:
        yield client


def in_process(app: FastAPI) -> LobbydClient:
    """A client talking to the app in process (no server)."""
    return LobbydClient("http://lobbyd.test", transport=httpx.ASGITransport(app=app))
