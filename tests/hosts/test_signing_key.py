"""The token signing key: LOBBYD_JWT_SECRET, or one generated key every replica shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from lobbyd.config import Settings
from tests.conftest import client_for
from tests.helpers import bearer, error, register


async def test_replicas_without_a_configured_key_accept_each_others_tokens(
    make_app: Callable[..., Any],
) -> None:
    first = await make_app(jwt_secret=None)
    second = await make_app(jwt_secret=None)
    async with client_for(first) as one, client_for(second) as other:
        host = await register(one)
        response = await other.get(f"/hosts/{host.uuid}", headers=host.auth)
    assert response.status_code == 200


async def test_a_configured_key_signs_the_tokens(make_app: Callable[..., Any]) -> None:
    first = await make_app(jwt_secret="first-key-" + "a" * 40)
    second = await make_app(jwt_secret="second-key-" + "b" * 40)
    async with client_for(first) as one, client_for(second) as other:
        host = await register(one)
        response = await other.get(f"/hosts/{host.uuid}", headers=bearer(host.token))
    error(response, 401, "unauthorized")


@pytest.mark.parametrize("field", ["jwt_secret", "cursor_secret"])
def test_a_key_under_32_bytes_is_refused_naming_the_setting(field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(**{field: "k" * 31})
    assert f"LOBBYD_{field.upper()} must be at least 32 bytes" in str(refused.value)
    assert "k" * 31 not in str(refused.value)
    assert Settings(**{field: "k" * 32})  # 32 bytes is enough
