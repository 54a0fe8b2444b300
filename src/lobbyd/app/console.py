"""The admin console at /console: one page and its two files, shipped inside the package.

Nothing is loaded from anywhere else (the page works offline), and the Content-Security-Policy
forbids it: scripts, styles and requests go only to this lobbyd. The page keeps the admin token
in the tab's sessionStorage and calls the public API with it."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

from lobbyd.errors import NotFound
from lobbyd.schemas import JSONRoute

router = APIRouter(route_class=JSONRoute, include_in_schema=False)

_TYPES = {
    "index.html": "text/html; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@cache
def _read(name: str) -> bytes:
    return files("lobbyd.app").joinpath("static", "console", name).read_bytes()


def _file(name: str) -> Response:
    return Response(_read(name), media_type=_TYPES[name], headers=_HEADERS)


@router.get("/console")
async def console() -> Response:
    """The console page."""
    return _file("index.html")


@router.get("/console/{name}")
async def console_file(name: str) -> Response:
    """The console's script and style sheet (nothing else is served from here)."""
    if name not in _TYPES or name == "index.html":
        raise NotFound("no such console file")
    return _file(name)
