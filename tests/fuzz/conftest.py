"""A real `lobbyd serve` per backend (SQLite + in-process store, PostgreSQL + Redis) for the
property-based fuzzing of its OpenAPI document, and the callers the fuzzer acts as.

The budget comes from the environment, so `make test` runs a small one and `make fuzz` a larger
one: FUZZ_EXAMPLES (generated cases per operation), FUZZ_COVERAGE=1 (also schemathesis' coverage
phase: every boundary value of every parameter, about 40 cases per operation), FUZZ_SCENARIOS
(stateful scenarios) and FUZZ_STEPS (calls per scenario), FUZZ_TIMEOUT (seconds a test may
take), FUZZ_SEED (unset: a fixed seed, so
`make test` explores the same cases every run; "random": a new one each run, printed).
"""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from lobbyd.auth.tokens import Tokens
from lobbyd.kit.clock import SystemClock
from tests.backends import delete_keys, postgres_database, redis_prefix, shared_redis
from tests.processes import lobbyd_serve

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
COVERAGE = os.environ.get("FUZZ_COVERAGE", "0") == "1"
SCENARIOS = int(os.environ.get("FUZZ_SCENARIOS", "8"))
STEPS = int(os.environ.get("FUZZ_STEPS", "10"))
#: Seconds each fuzz test may run (pytest's default of 120 s suits the small budget only).
TIMEOUT = float(os.environ.get("FUZZ_TIMEOUT", "600"))
_SEED = os.environ.get("FUZZ_SEED", "0")
RANDOM = _SEED == "random"
SEED = random.randrange(2**32) if RANDOM else int(_SEED)

JWT_SECRET = "fuzzing-signing-key-" + "f" * 32
BACKENDS = ["sqlite+memory", "postgresql+redis"]
#: Seconds a server may take to answer; generous: other suites share these two cores.
STARTUP_TIMEOUT = 120.0


def pytest_report_header() -> str:
    """The budget and seed, so any run can be repeated (FUZZ_SEED=<this seed>)."""
    return (
        f"fuzz: FUZZ_SEED={SEED} FUZZ_EXAMPLES={EXAMPLES} FUZZ_COVERAGE={int(COVERAGE)} "
        f"FUZZ_SCENARIOS={SCENARIOS} FUZZ_STEPS={STEPS}"
    )


@dataclass(frozen=True)
class Target:
    """A running server and the token of each caller the fuzzer acts as."""

    backend: str
    url: str
    tokens: dict[str, str]


@pytest.fixture(scope="module", params=BACKENDS)
async def backend_env(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, dict[str, str]]]:
    """A backend's name and LOBBYD_* settings: a fresh database (and Redis prefix) of its own."""
    name = str(request.param)
    env = {
        "LOBBYD_JWT_SECRET": JWT_SECRET,
        "LOBBYD_REGISTER_RATE": "0",
        "LOBBYD_LOGIN_RATE": "0",
    }
    if request.param == "sqlite+memory":
        directory = Path(tempfile.mkdtemp(prefix="lobbyd-fuzz-"))
        yield name, {**env, "LOBBYD_DATABASE_URL": f"sqlite:///{directory / 'fuzz.sqlite3'}"}
        return
    redis_url, prefix = shared_redis(), redis_prefix()
    async with postgres_database("lobbyd_fuzz") as database_url:
        yield (
            name,
            {
                **env,
                "LOBBYD_DATABASE_URL": database_url,
                "LOBBYD_REDIS_URL": redis_url,
                "LOBBYD_REDIS_PREFIX": prefix,
            },
        )
    await delete_keys(redis_url, prefix)


@pytest.fixture(scope="module")
def target(backend_env: tuple[str, dict[str, str]]) -> Iterator[Target]:
    """`lobbyd serve` on the backend, with an admin token and a registered host's token."""
    name, env = backend_env
    with lobbyd_serve(env, timeout=STARTUP_TIMEOUT) as server:
        yield Target(name, server.url, _tokens(server.url))
        output = server.output()
    assert "Traceback" not in output, output[-5000:]


def _tokens(url: str) -> dict[str, str]:
    tokens = Tokens(
        JWT_SECRET,
        algorithm="HS256",
        issuer="lobbyd",
        audience="lobbyd",
        ttl=3600,
        clock=SystemClock(),
    )
    host = httpx.post(f"{url}/hosts", timeout=10).json()
    login = httpx.get(
        f"{url}/hosts/{host['uuid']}/access_token", auth=(host["uuid"], host["secret"]), timeout=10
    )
    return {
        "admin": tokens.issue("admin", frozenset({"session:*"})),
        "host": login.json()["token"],
    }
