"""Per-address rate limits for the public operations (registration and login)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from lobbyd.errors import RateLimited
from lobbyd.kit.addresses import Network, client_address
from lobbyd.kit.ratelimit import RateLimiter


class Throttle:
    """Named rate limiters keyed by the client's address."""

    def __init__(self, limiters: dict[str, RateLimiter], proxies: list[Network]) -> None:
        self.limiters = limiters
        self.proxies = proxies

    def check(self, name: str, request: Request) -> None:
        """429 with Retry-After when this address is over the named limit."""
        peer = request.client.host if request.client else None
        # Every X-Forwarded-For line, in order: a proxy may add a line of its own rather than
        # extend the client's, and only the last hops are the proxies' to vouch for.
        forwarded = ", ".join(request.headers.getlist("x-forwarded-for")) or None
        address = client_address(peer, forwarded, self.proxies)
        wait = self.limiters[name].hit(address)
        if wait:
            raise RateLimited(wait)


def throttled(name: str) -> Callable[[Request], Awaitable[None]]:
    """A route dependency applying the named limit."""

    async def dependency(request: Request) -> None:
        throttle: Throttle = request.app.state.throttle
        throttle.check(name, request)

    return dependency
