"""/docs and /redoc load every asset from lobbyd itself."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from lobbyd.app import create_app
from lobbyd.config import Settings
from tests.conftest import JWT_SECRET


@pytest.fixture(scope="module")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app that is not started: the docs need no database."""
    app = create_app(Settings(database_url="sqlite:///unused.sqlite3", jwt_secret=JWT_SECRET))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lobbyd.test") as client:
        yield client


def referenced(html: str) -> list[str]:
    """Every URL a page loads (scripts, style sheets, icons)."""
    return re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_load_only_lobbyds_own_files(http: httpx.AsyncClient, page: str) -> None:
    response = await http.get(page)
    assert response.status_code == 200
    urls = referenced(response.text)
    assert urls, response.text
    for url in urls:
        assert url.startswith("/"), f"{page} loads {url} from elsewhere"
        asset = await http.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
    assert "fonts.googleapis" not in response.text


async def test_only_the_documentation_files_are_served(http: httpx.AsyncClient) -> None:
    for name in ("../core.py", "core.py", "%2e%2e%2fcore.py", "RECORD"):
        response = await http.get(f"/docs/assets/{name}")
        assert response.status_code == 404, name
