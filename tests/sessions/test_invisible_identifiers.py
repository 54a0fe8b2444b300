"""Identifiers made only of characters that show nothing (U+3164 HANGUL FILLER, zero-width and
format characters, spaces) are 422: such a guest, keyword or platform id looks like nobody."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import register
from tests.sessions.conftest import launch

BLANKS = {
    "hangul filler": "\u3164",
    "halfwidth hangul filler": "\uffa0\uffa0",
    "zero-width space": "\u200b",
    "byte order mark": "\ufeff",
    "spaces": "   ",
    "no-break and ideographic spaces": "\u00a0\u3000",
    "braille blank": "\u2800",
    "mixed": "\u3164\u200b \u115f",
}


@pytest.mark.parametrize("blank", list(BLANKS.values()), ids=list(BLANKS))
async def test_a_blank_identifier_is_422_wherever_an_identifier_goes(
    client: httpx.AsyncClient, blank: str
) -> None:
    host = await register(client)
    session_id = (await launch(client, host))["session_id"]
    link: dict[str, Any] = {"platform_session_type": "t", "platform_session_id_base64": "AA=="}
    attempts = {
        "join guest": client.post(
            "/sessions/players", json={"host": host.uuid, "guest": blank}, headers=host.auth
        ),
        "ban": client.post(
            f"/hosts/{host.uuid}/banlist", params={"banned": blank}, headers=host.auth
        ),
        "keyword": client.patch(
            f"/sessions/{session_id}", json={"keywords": [blank]}, headers=host.auth
        ),
        "turn": client.patch(f"/sessions/{session_id}", json={"turn": [blank]}, headers=host.auth),
        "invite": client.post(
            f"/sessions/{session_id}/invites", json={"player": blank}, headers=host.auth
        ),
        "query keyword": client.get("/sessions", params={"keyword": blank}, headers=host.auth),
        "platform type": client.put(
            f"/sessions/{session_id}/platform-sessions/Steam",
            json={**link, "platform_session_type": blank},
            headers=host.auth,
        ),
        "custom data key": client.put(
            f"/sessions/{session_id}/platform-sessions/Steam",
            json={**link, "custom_data": {blank: "v"}},
            headers=host.auth,
        ),
    }
    statuses = {name: (await attempt).status_code for name, attempt in attempts.items()}
    assert statuses == dict.fromkeys(attempts, 422)


async def test_an_identifier_with_a_visible_character_among_blanks_is_accepted(
    client: httpx.AsyncClient,
) -> None:
    host = await register(client)
    session_id = (await launch(client, host))["session_id"]
    response = await client.patch(
        f"/sessions/{session_id}", json={"keywords": ["\u3164a", "Nomad 1"]}, headers=host.auth
    )
    assert response.status_code == 200, response.text
    assert response.json()["keywords"] == ["\u3164a", "Nomad 1"]
