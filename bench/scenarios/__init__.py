"""Load scenarios: each renders the raw requests of one API operation before the timed part."""

from __future__ import annotations

from bench.scenarios.base import Scenario, Target
from bench.scenarios.hosts import HOSTS_SCENARIOS
from bench.scenarios.sessions import SESSIONS_SCENARIOS

SCENARIOS: dict[str, type[Scenario]] = {
    cls.name: cls for cls in (*HOSTS_SCENARIOS, *SESSIONS_SCENARIOS)
}

__all__ = ["SCENARIOS", "Scenario", "Target"]
