"""Every route and every dependency is async: FastAPI runs a plain `def` through the thread
pool on each request, which costs several times an async call on the hot paths."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIWebSocketRoute

from lobbyd.app import create_app
from lobbyd.config import Settings
from tests.conftest import JWT_SECRET


def _calls(dependant: Dependant) -> Iterator[tuple[str, Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield getattr(sub.call, "__name__", type(sub.call).__name__), sub.call
        yield from _calls(sub)


def _is_async(call: Any) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
        getattr(call, "__call__", None)  # noqa: B004 - security schemes are async callables
    )


def test_no_route_or_dependency_runs_in_the_thread_pool() -> None:
    app = create_app(Settings(database_url="sqlite:///unused.sqlite3", jwt_secret=JWT_SECRET))
    synchronous = []
    for route in app.routes:
        if not isinstance(route, APIRoute | APIWebSocketRoute):
            continue
        if not _is_async(route.endpoint):
            synchronous.append((route.path, route.endpoint.__name__))
        synchronous += [
            (route.path, name) for name, call in _calls(route.dependant) if not _is_async(call)
        ]
    assert synchronous == []
