"""A token bucket: `rate` events a second, in bursts of up to `rate` (one per holder)."""

from __future__ import annotations

from lobbyd.kit.clock import Clock


class TokenBucket:
    """Allows `rate` events a second on average and `rate` at once; 0 disables it."""

    def __init__(self, rate: int, clock: Clock) -> None:
        self.rate = rate
        self._clock = clock
        self._tokens = float(rate)
        self._at = clock.now()

    def take(self) -> bool:
        """Spend one token: True if the event is allowed."""
        if not self.rate:
            return True
        now = self._clock.now()
        self._tokens = min(float(self.rate), self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True
