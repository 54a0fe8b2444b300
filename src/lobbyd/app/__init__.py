"""The ASGI application: lifespan, middleware, error handlers and routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.telemetry import TelemetryConfig

from lobbyd import __version__
from lobbyd.app import console, docs, errors, health, runtime
from lobbyd.app import metrics as metrics_route
from lobbyd.app.drain import CountInFlight, InFlight
from lobbyd.app.limits import BodyLimit, declare_body_limit
from lobbyd.app.links import declare_links
from lobbyd.app.openapi import declare_generator_friendly
from lobbyd.config import Settings
from lobbyd.directory import router as directory_router
from lobbyd.hosts import router as hosts_router
from lobbyd.kit.clock import Clock, SystemClock
from lobbyd.kit.logs import guard_server_loggers
from lobbyd.ops.metrics import Metrics
from lobbyd.ops.middleware import RecordMetrics
from lobbyd.ops.requests import RequestIds
from lobbyd.schemas import JSONRoute
from lobbyd.sessions import router as sessions_router
from lobbyd.sync import router as sync_router

log = logging.getLogger("lobbyd")

#: How long shutdown waits for requests in flight before closing the database.
DRAIN_SECONDS = 10.0

DESCRIPTION = """\
Session service for player-hosted multiplayer games: hosts register and log in, keep friends and
ban lists, launch sessions; guests join; every session has a live, versioned source of truth.

Errors are `{"message", "code"}` (422 keeps FastAPI's validation shape). Authenticate with
`Authorization: Bearer TOKEN` from `GET /hosts/{host}/access_token`.
"""


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """A lobbyd app; settings default to the environment, the clock to the system clock."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    guard_server_loggers()
    in_flight = InFlight()
    metrics = Metrics(settings.metrics_dir) if settings.metrics else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        running = await runtime.start(settings, clock)
        app.state.runtime = running
        app.state.authenticator = running.authenticator
        app.state.throttle = running.throttle
        app.state.hosts = running.hosts
        app.state.sessions = running.sessions
        app.state.tickets = running.tickets
        app.state.store = running.store
        app.state.sync = running.sync
        app.state.signals = running.signals
        app.state.directory = running.directory
        if metrics is not None:
            metrics.start()
        try:
            yield
        finally:
            if not await in_flight.drained(DRAIN_SECONDS):
                log.warning("shutting down with %d requests still in flight", in_flight.active)
            await running.close()
            if metrics is not None:
                metrics.close()

    app = FastAPI(
        title="lobbyd",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # Served from files installed with lobbyd (app/docs.py), not from a CDN.
        docs_url=None,
        redoc_url=None,
        # Off unless asked for: even unconfigured, the check costs an environment lookup per
        # request (about 6% of a login here).
        telemetry=None if settings.telemetry else _NO_TELEMETRY,
        openapi_tags=[
            {"name": "hosts", "description": "registration, login, friends, bans"},
            {"name": "sessions", "description": "launch, join, lifecycle, join tickets"},
            {"name": "sync", "description": "each session's live source of truth"},
            {"name": "directory", "description": "per-player sessions, invites, queries"},
            {"name": "operations", "description": "probes and Prometheus metrics"},
            {"name": "admin", "description": "reads for operators (admin tokens only)"},
        ],
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.in_flight = in_flight
    app.state.metrics = metrics
    errors.install(app)
    app.add_middleware(BodyLimit, max_body=settings.max_body)
    app.add_middleware(CountInFlight, tracker=in_flight)
    if settings.cors_origins:
        # Browser games are served from their own origin; their pages send bearer tokens (no
        # cookies), so credentials are not allowed.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "authorization",
                "content-type",
                "if-match",
                "if-none-match",
                "x-request-id",
            ],
            expose_headers=["etag", "location", "retry-after", "x-request-id"],
            max_age=600,
        )
    if metrics is not None:
        # Outermost but one: it times everything, including refusals of the body limit.
        app.add_middleware(RecordMetrics, metrics=metrics)
    app.add_middleware(RequestIds, log_requests=settings.log_format == "json")
    declare_body_limit(app)
    declare_links(app)
    declare_generator_friendly(app)
    for router in (
        health.router,
        metrics_route.router,
        console.router,
        docs.router,
        hosts_router.public,
        hosts_router.router,
        sessions_router.public,
        sessions_router.router,
        sync_router.router,
        sync_router.sockets,
        directory_router.router,
        directory_router.admin,
    ):
        _mount(app, router)
    return app


_NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def _mount(app: FastAPI, router: APIRouter) -> None:
    """Add a router's routes to the app itself.

    FastAPI 0.165's include_router keeps each router behind a lazy wrapper that is walked on
    every request (about 80 us of a 230 us request, measured here); the routes already carry
    their router's prefix, tags and dependencies, so adding them directly loses nothing.
    Every HTTP route must be a JSONRoute, so no body escapes the strict JSON parser."""
    for route in router.routes:
        if isinstance(route, APIRoute) and not isinstance(route, JSONRoute):
            raise TypeError(f"{route.path}: give its router route_class=JSONRoute")
        if not isinstance(route, APIRoute | APIWebSocketRoute):
            raise TypeError(f"mount flat routers only, not {type(route).__name__}")
    app.router.routes.extend(router.routes)
