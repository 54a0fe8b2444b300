"""A per-key rate limit (GCRA) held in process memory."""

from __future__ import annotations

import math

from lobbyd.kit.clock import Clock

PERIOD = 60.0
MAX_KEYS = 100_000


class RateLimiter:
    """Allows `limit` events a minute per key, in bursts of up to `limit`; 0 disables it."""

    def __init__(self, limit: int, clock: Clock) -> None:
        self.limit = limit
        self._clock = clock
        self._interval = PERIOD / limit if limit else 0.0
        self._tolerance = PERIOD - self._interval
        self._tat: dict[str, float] = {}

    def hit(self, key: str) -> int:
        """Record one event; 0 if allowed, else the seconds to wait before retrying."""
        if not self.limit:
            return 0
        now = self._clock.now()
        tat = max(self._tat.get(key, now), now)
        wait = tat - now - self._tolerance
        if wait > 0:
            return max(1, math.ceil(wait))
        if len(self._tat) >= MAX_KEYS:
            self._purge(now)
        self._tat[key] = tat + self._interval
        return 0

    def _purge(self, now: float) -> None:
        self._tat = {key: tat for key, tat in self._tat.items() if tat > now}
        if len(self._tat) >= MAX_KEYS:
            self._tat.clear()
