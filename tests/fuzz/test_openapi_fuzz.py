"""Property-based fuzzing of the whole OpenAPI document against a real `lobbyd serve`, on every
backend: no input may cause a server error, and every response must match what the document
declares for its status (body schema included).

Stateless: every operation, with its examples, boundary values (schemathesis' coverage phase)
and generated valid and invalid requests, as an admin and as a registered host. Stateful: chains
of calls through the document's OpenAPI links (register -> launch -> join, invite, sync ...), as
an admin, so the ids each call returns feed the next.

The document is built at import from the app itself (schemathesis' fixture-loaded schemas do not
work with pytest 9), and a test checks that it is exactly what the server serves.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.stateful.state_machine import APIStateMachine
from schemathesis.specs.openapi.checks import response_schema_conformance

from lobbyd.app import create_app
from lobbyd.config import Settings
from tests.fuzz.conftest import (
    COVERAGE,
    EXAMPLES,
    JWT_SECRET,
    RANDOM,
    SCENARIOS,
    SEED,
    STEPS,
    TIMEOUT,
    Target,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(TIMEOUT)]

CHECKS = [not_a_server_error, response_schema_conformance]
_ONLY_OUR_CHECKS = {
    "enabled": False,
    "not_a_server_error": {"enabled": True},
    "response_schema_conformance": {"enabled": True},
}
_SETTINGS: dict[str, Any] = {
    "deadline": None,  # a shared 2-core machine: time is no property of this API
    "suppress_health_check": list(HealthCheck),
    "database": None,  # the budget and the seed decide what runs, not what ran before
    "print_blob": True,
}

DOCUMENT = create_app(
    Settings(database_url="sqlite:///unused.sqlite3", jwt_secret=JWT_SECRET)
).openapi()
schema = schemathesis.openapi.from_dict(
    copy.deepcopy(DOCUMENT),  # schemathesis adds to the document it is given
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "checks": _ONLY_OUR_CHECKS,
            "generation": {"max-examples": EXAMPLES},
            "phases": {
                "coverage": {"enabled": COVERAGE},
                # Chains go deep only on requests the server accepts; the stateless test sends
                # the invalid ones.
                "stateful": {"checks": _ONLY_OUR_CHECKS, "generation": {"mode": "positive"}},
            },
        }
    ),
)


@pytest.fixture(params=["admin", "host"])
def caller(request: pytest.FixtureRequest) -> str:
    """Who the fuzzer acts as: an admin (every operation allowed) or a host (ownership)."""
    return str(request.param)


def test_the_fuzzed_document_is_the_served_one(target: Target) -> None:
    assert httpx.get(f"{target.url}/openapi.json", timeout=10).json() == DOCUMENT


@schema.parametrize()
@settings(**_SETTINGS)
def test_no_input_causes_a_server_error_or_an_undeclared_response(
    case: schemathesis.Case, target: Target, caller: str
) -> None:
    case.call_and_validate(
        base_url=target.url,
        headers={"Authorization": f"Bearer {target.tokens[caller]}"},
        checks=CHECKS,
    )


def test_no_chain_of_calls_through_the_links_causes_either(target: Target) -> None:
    class Calls(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {
                "base_url": target.url,
                "headers": {"Authorization": f"Bearer {target.tokens['admin']}"},
            }

    machine: type[APIStateMachine] = Calls
    # A fixed seed means the same scenarios every run (Hypothesis draws them, not schemathesis).
    machine.run(
        settings=settings(
            max_examples=SCENARIOS, stateful_step_count=STEPS, derandomize=not RANDOM, **_SETTINGS
        )
    )
