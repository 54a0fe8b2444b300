"""A rate limit shared by every replica, counted in Redis (GCRA, one atomic script per hit)."""

from __future__ import annotations

import logging
import math

from redis.asyncio import Redis
from redis.exceptions import RedisError

from lobbyd.kit.clock import Clock
from lobbyd.kit.ratelimit import PERIOD, RateLimiter

log = logging.getLogger("lobbyd.auth")

# KEYS[1] the theoretical arrival time of the next event; ARGV: now, interval, tolerance, all
# integer milliseconds (Lua's tostring keeps 14 digits: enough for integers, not for fractions).
# Returns 0 (allowed) or the milliseconds to wait.
_GCRA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - now - tolerance
if wait > 0 then return wait end
redis.call('SET', KEYS[1], string.format('%d', tat + interval), 'PX', tat + interval - now + 1000)
return 0
"""


class RedisRateLimiter:
    """`limit` events a minute per key across replicas; the local limiter stands in while Redis
    is unreachable, so an outage neither locks users out nor lifts the limit."""

    def __init__(self, redis: Redis, name: str, limit: int, clock: Clock, prefix: str) -> None:
        self.limit = limit
        self._script = redis.register_script(_GCRA)
        self._clock = clock
        self._prefix = f"{prefix}rate:{name}:"
        self._interval = round(PERIOD * 1000 / limit) if limit else 0
        self._fallback = RateLimiter(limit, clock)

    async def hit(self, key: str) -> int:
        """Record one event; 0 if allowed, else the seconds to wait before retrying."""
        if not self.limit:
            return 0
        try:
            waited = await self._script(
                keys=[self._prefix + key],
                args=[
                    round(self._clock.now() * 1000),
                    self._interval,
                    PERIOD * 1000 - self._interval,
                ],
            )
        except (RedisError, OSError) as exc:
            log.warning("rate limit counted locally: Redis unavailable (%s)", exc)
            return self._fallback.hit(key)
        return max(1, math.ceil(int(waited) / 1000)) if int(waited) else 0
