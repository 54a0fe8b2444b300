"""Liveness rules (docs/concepts.md), as pure functions of the clock and of database outages."""

from __future__ import annotations

import math


class Timing:
    """The session timeout and what follows from it.

    Time during which lobbyd could not record a sign of life must not count against anyone:
    while the database is unreachable, and for one timeout after it last was, only players
    already silent for a timeout when the outage began count as silent (they were gone before
    it). So hosts that kept heartbeating into 503s keep their sessions when it returns."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._outage_began = math.inf
        self._held_until = -math.inf

    def unreachable(self, now: float) -> None:
        """The database could not be reached at `now` (called on every such failure)."""
        if now >= self._held_until:  # a new outage
            self._outage_began = now
        self._held_until = now + self.timeout

    def held(self, now: float) -> bool:
        """Whether timeouts are held now (during an outage or one timeout after it)."""
        return now < self._held_until

    def _since(self, now: float) -> float:
        """The moment silence is counted up to: now, or when the current outage began."""
        return min(now, self._outage_began) if self.held(now) else now

    def alive_after(self, now: float) -> float:
        """Hosts (and guests) last seen before this have been silent for a timeout."""
        return self._since(now) - self.timeout

    def host_silent(self, host_seen_at: float, now: float) -> bool:
        """The host showed no life for a timeout: its session ends (host_timeout)."""
        return host_seen_at < self.alive_after(now)

    def guest_inactive(self, seen_at: float, now: float) -> bool:
        """A guest silent for one timeout is shown `inactive`."""
        return seen_at < self.alive_after(now)

    def guest_gone(self, seen_at: float, now: float) -> bool:
        """A guest silent for two timeouts is removed."""
        return seen_at < self.gone_cutoff(now)

    def gone_cutoff(self, now: float) -> float:
        """Guests last seen before this are removed."""
        return self._since(now) - 2 * self.timeout
