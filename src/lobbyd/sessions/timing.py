"""Liveness rules (docs/concepts.md), as pure functions of the clock."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Timing:
    """The session timeout and what follows from it."""

    timeout: float

    def host_silent(self, host_seen_at: float, now: float) -> bool:
        """The host showed no life for a timeout: its session ends (host_timeout)."""
        return host_seen_at < now - self.timeout

    def guest_inactive(self, seen_at: float, now: float) -> bool:
        """A guest silent for one timeout is shown `inactive`."""
        return seen_at < now - self.timeout

    def guest_gone(self, seen_at: float, now: float) -> bool:
        """A guest silent for two timeouts is removed."""
        return seen_at < self.gone_cutoff(now)

    def gone_cutoff(self, now: float) -> float:
        """Guests last seen before this are removed."""
        return now - 2 * self.timeout
