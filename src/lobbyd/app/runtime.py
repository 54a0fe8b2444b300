"""Builds and tears down what the app runs on: database, keys, services."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from lobbyd.auth.principal import Authenticator
from lobbyd.auth.ratelimit_redis import RedisRateLimiter
from lobbyd.auth.throttle import Limiter, LocalLimiter, Throttle
from lobbyd.auth.tickets import Tickets, new_private_key_pem
from lobbyd.auth.tokens import Tokens
from lobbyd.config import Settings
from lobbyd.db import Database, open_database
from lobbyd.db import meta as db_meta
from lobbyd.db.migrate import head
from lobbyd.directory.service import DirectoryService
from lobbyd.errors import Unavailable
from lobbyd.hosts.service import HostsService
from lobbyd.kit.clock import Clock
from lobbyd.kit.pagination import Cursors
from lobbyd.kit.ratelimit import RateLimiter
from lobbyd.sessions.service import SessionsService
from lobbyd.sessions.sweep import Sweeper
from lobbyd.store import open_store
from lobbyd.store.base import Limits, SyncStore
from lobbyd.store.signals import MemorySignals, SignalBus
from lobbyd.store.signals_redis import RedisSignals
from lobbyd.sync.service import SyncService
from lobbyd.sync.signals import Signals

log = logging.getLogger("lobbyd")

STARTUP_ATTEMPTS = 30


@dataclass
class Runtime:
    """Everything a running app holds; one per app, so tests can run many side by side."""

    settings: Settings
    clock: Clock
    db: Database
    tokens: Tokens
    authenticator: Authenticator
    throttle: Throttle
    hosts: HostsService
    store: SyncStore
    tickets: Tickets
    sessions: SessionsService
    sweeper: Sweeper
    sync: SyncService
    directory: DirectoryService
    signals: Signals

    limits_redis: Redis | None

    async def close(self) -> None:
        """Stop the sweep and release connections."""
        await self.sweeper.stop()
        await self.sync.claims.close()
        await self.signals.bus.close()
        await self.store.close()
        if self.limits_redis is not None:
            await self.limits_redis.aclose()
        await self.db.close()


async def _connect(db: Database) -> None:
    for attempt in range(1, STARTUP_ATTEMPTS + 1):
        try:
            await db.connect()
            return
        except Unavailable as exc:
            if attempt == STARTUP_ATTEMPTS:
                raise
            log.warning("database unreachable (%s); retrying (%d)", exc.message, attempt)
            await asyncio.sleep(1.0)


async def signing_key(settings: Settings, db: Database) -> str:
    """The token key: LOBBYD_JWT_SECRET, else the one kept in the database (made once)."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    return await db_meta.get_or_create(db, "jwt_secret", lambda: secrets.token_urlsafe(48))


async def _cursor_key(settings: Settings, db: Database) -> bytes:
    """The pagination cursors' HMAC key: configured, or generated once and kept like the
    token key (a key of its own, so a cursor can never pass for a token or the reverse)."""
    if settings.cursor_secret is not None:
        return settings.cursor_secret.get_secret_value().encode()
    key = await db_meta.get_or_create(db, "cursor_key", lambda: secrets.token_urlsafe(32))
    return key.encode()


async def start(settings: Settings, clock: Clock) -> Runtime:
    """Connect, check the schema, load keys and build the services."""
    db = open_database(settings.database_url, settings.database_pool_size)
    await _connect(db)
    revision = await db_meta.schema_revision(db)
    if revision != head():
        await db.close()
        raise RuntimeError(
            f"the database schema is at {revision or 'nothing'}, this lobbyd needs {head()}: "
            "run `lobbyd migrate`"
        )
    if settings.login == "uuid":
        log.warning(
            "LOBBYD_LOGIN=uuid: anyone who knows a host's uuid can log in as it. "
            "Use this only on a trusted network."
        )
    tokens = Tokens(
        await signing_key(settings, db),
        algorithm=settings.jwt_algorithm,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=settings.token_ttl,
        clock=clock,
    )
    hosts = HostsService(db, tokens, settings, clock)
    authenticator = Authenticator(
        tokens, hosts.secret_generation, clock=clock, cache_ttl=settings.revocation_cache
    )
    hosts.rotated_hooks.append(authenticator.forget)
    limits_redis = (
        Redis.from_url(settings.redis_url, **_REDIS_OPTIONS) if settings.redis_url else None
    )
    throttle = Throttle(
        {
            name: _limiter(limits_redis, name, rate, settings, clock)
            for name, rate in (("register", settings.register_rate), ("login", settings.login_rate))
        },
        settings.trusted_proxies,
    )
    store = open_store(settings.redis_url, _limits(settings), clock, prefix=settings.redis_prefix)
    tickets = Tickets(
        await db_meta.get_or_create(db, "ticket_key_es256", new_private_key_pem),
        issuer=settings.jwt_issuer,
        ttl=settings.ticket_ttl,
        clock=clock,
    )
    sessions = SessionsService(db, store, hosts, tickets, settings, clock)
    db.on_unreachable.append(lambda: sessions.timing.unreachable(clock.now()))
    hosts.ban_hooks.append(sessions.lifecycle.on_ban)
    hosts.delete_hooks.append(sessions.lifecycle.on_host_deleted)
    sweeper = Sweeper(
        db,
        sessions.lifecycle,
        sessions.relay,
        sessions.timing,
        clock,
        interval=settings.sweep_interval,
        grace=settings.sync_grace,
    )
    sweeper.start()
    sync = SyncService(store, sessions, settings, clock)
    return Runtime(
        settings=settings,
        clock=clock,
        db=db,
        tokens=tokens,
        authenticator=authenticator,
        throttle=throttle,
        hosts=hosts,
        store=store,
        tickets=tickets,
        sessions=sessions,
        sweeper=sweeper,
        sync=sync,
        directory=DirectoryService(
            db, sessions, hosts, settings, clock, Cursors(await _cursor_key(settings, db))
        ),
        limits_redis=limits_redis,
        signals=Signals(_signal_bus(settings), sync, store, settings, clock),
    )


def _signal_bus(settings: Settings) -> SignalBus:
    if settings.redis_url is None:
        return MemorySignals()
    return RedisSignals(settings.redis_url, prefix=settings.redis_prefix)


# A limiter must answer fast or stand aside: short timeouts, no retries.
_REDIS_OPTIONS: dict[str, Any] = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}


def _limiter(
    redis: Redis | None, name: str, rate: int, settings: Settings, clock: Clock
) -> Limiter:
    """Shared by every replica through Redis when it is configured, else per process."""
    if redis is None:
        return LocalLimiter(RateLimiter(rate, clock))
    return RedisRateLimiter(redis, name, rate, clock, settings.redis_prefix)


def _limits(settings: Settings) -> Limits:
    return Limits(
        state_max=settings.sync_state_max,
        member_max=settings.sync_member_max,
        log_size=settings.sync_log_size,
        log_age=settings.sync_log_age,
        log_bytes=settings.sync_log_bytes,
        queue_max=settings.ws_queue_max,
    )
