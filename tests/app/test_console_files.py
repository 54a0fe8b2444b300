"""/console: the page and its two files, from the package, under a strict CSP."""

from __future__ import annotations

import re

import httpx


async def test_console_page_loads_only_its_own_files(client: httpx.AsyncClient) -> None:
    page = await client.get("/console")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Admin token" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    urls = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
    assert sorted(urls) == ["/console/console.css", "/console/console.js", "data:,"]
    for url in ("/console/console.css", "/console/console.js"):
        response = await client.get(url)
        assert response.status_code == 200
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_nothing_else_is_served_from_the_console(client: httpx.AsyncClient) -> None:
    for name in ("index.html", "..%2Fconsole.py", "secret.txt"):
        assert (await client.get(f"/console/{name}")).status_code == 404, name
