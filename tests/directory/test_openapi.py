"""The directory's operations in /openapi.json: every status each one can return."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_openapi import http, openapi, operations  # noqa: F401  (fixtures)

AUTHENTICATED = {401, 503}
EXPECTED_STATUSES = {
    ("get", "/players/{player}/sessions"): AUTHENTICATED | {200, 304, 403, 422},
    ("get", "/sessions"): AUTHENTICATED | {200, 400, 403, 422},
    ("post", "/sessions/{session_id}/invites"): AUTHENTICATED | {200, 201, 400, 403, 404, 422},
    ("get", "/sessions/{session_id}/invites"): AUTHENTICATED | {200, 403, 404, 422},
    ("delete", "/sessions/{session_id}/invites/{player}"): AUTHENTICATED | {204, 403, 404, 422},
    ("post", "/sessions/{session_id}/reservations"): AUTHENTICATED | {200, 201, 400, 403, 404, 422},
    ("delete", "/sessions/{session_id}/reservations/{player}"): AUTHENTICATED
    | {204, 403, 404, 422},
    ("put", "/sessions/{session_id}/platform-sessions/{platform}"): AUTHENTICATED
    | {200, 201, 403, 404, 409, 422},
    ("get", "/platforms/{platform}/platform-sessions/{platform_session_id_base64}"): (
        AUTHENTICATED | {200, 304, 403, 404, 422}
    ),
    ("delete", "/sessions/{session_id}/platform-sessions/{platform}"): AUTHENTICATED
    | {204, 403, 404, 422},
}


@pytest.mark.parametrize("key", sorted(EXPECTED_STATUSES), ids=" ".join)
async def test_each_directory_operation_declares_every_status_it_can_return(
    openapi: dict[str, Any],  # noqa: F811
    key: tuple[str, str],
) -> None:
    declared = {int(status) for status in operations(openapi)[key]["responses"]}
    assert EXPECTED_STATUSES[key] <= declared, sorted(EXPECTED_STATUSES[key] - declared)


async def test_the_platform_is_an_enum_of_exactly_sixteen(openapi: dict[str, Any]) -> None:  # noqa: F811
    schema = openapi["components"]["schemas"]["Platform"]
    assert len(schema["enum"]) == 16
    assert "Steam" in schema["enum"]
