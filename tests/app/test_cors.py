"""LOBBYD_CORS_ORIGINS: web pages of the listed origins may call the API; others may not."""

from __future__ import annotations

import httpx

from lobbyd.app import create_app
from lobbyd.config import Settings
from tests.conftest import JWT_SECRET

GAME = "https://game.example.com"
PREFLIGHT = {
    "origin": GAME,
    "access-control-request-method": "PUT",
    "access-control-request-headers": "authorization, content-type",
}


def _client(**settings: object) -> httpx.AsyncClient:
    app = create_app(
        Settings(database_url="sqlite:///unused.sqlite3", jwt_secret=JWT_SECRET, **settings)
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_listed_origin_passes_the_preflight_with_bearer_tokens() -> None:
    async with _client(cors_origins=[GAME]) as client:
        response = await client.options("/hosts/x/only_friends", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == GAME
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in response.headers


async def test_a_page_may_send_its_own_request_id() -> None:
    # A browser game correlates its calls with lobbyd's log lines through X-Request-ID.
    preflight = {**PREFLIGHT, "access-control-request-headers": "authorization, x-request-id"}
    async with _client(cors_origins=[GAME]) as client:
        response = await client.options("/hosts/x/only_friends", headers=preflight)
    assert response.status_code == 200
    assert "x-request-id" in response.headers["access-control-allow-headers"].lower()


async def test_answers_to_a_listed_origin_expose_etag_and_location() -> None:
    async with _client(cors_origins=[GAME]) as client:
        response = await client.get("/openapi.json", headers={"origin": GAME})
    assert response.headers["access-control-allow-origin"] == GAME
    assert "etag" in response.headers["access-control-expose-headers"].lower()


async def test_no_origin_is_allowed_by_default() -> None:
    async with _client() as client:
        response = await client.get("/openapi.json", headers={"origin": GAME})
    assert "access-control-allow-origin" not in response.headers


def test_the_setting_is_a_comma_separated_list() -> None:
    settings = Settings.model_validate({"cors_origins": f"{GAME}, http://localhost:5173"})
    assert settings.cors_origins == [GAME, "http://localhost:5173"]
