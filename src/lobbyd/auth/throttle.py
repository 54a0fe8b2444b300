"""Per-address rate limits for the public operations (registration and login)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from fastapi import Request

from lobbyd.errors import RateLimited
from lobbyd.kit.addresses import Network, client_address
from lobbyd.kit.ratelimit import RateLimiter


class Limiter(Protocol):
    """Counts events per key."""

    async def hit(self, key: str) -> int:
        """Record one event; 0 if allowed, else the seconds to wait."""
        ...


class LocalLimiter:
    """The in-process limiter (one worker's own count)."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def hit(self, key: str) -> int:
        """Record one event; 0 if allowed, else the seconds to wait."""
        return self.limiter.hit(key)


class Throttle:
    """Named rate limiters keyed by the client's address."""

    def __init__(self, limiters: dict[str, Limiter], proxies: list[Network]) -> None:
        self.limiters = limiters
        self.proxies = proxies

    async def check(self, name: str, request: Request) -> None:
        """429 with Retry-After when this address is over the named limit."""
        peer = request.client.host if request.client else None
        # Every X-Forwarded-For line, in order: a proxy may add a line of its own rather than
        # extend the client's, and only the last hops are the proxies' to vouch for.
        forwarded = ", ".join(request.headers.getlist("x-forwarded-for")) or None
        address = client_address(peer, forwarded, self.proxies)
        wait = await self.limiters[name].hit(address)
        if wait:
            raise RateLimited(wait)


def throttled(name: str) -> Callable[[Request], Awaitable[None]]:
    """A route dependency applying the named limit."""

    async def dependency(request: Request) -> None:
        throttle: Throttle = request.app.state.throttle
        await throttle.check(name, request)

    return dependency
