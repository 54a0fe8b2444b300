"""`GET /sessions/{id}/ice`: the ICE servers (STUN, TURN with credentials) a member uses.

TURN credentials follow coturn's REST API scheme (kit.turn): bound to the member's id and
expiring after `LOBBYD_TURN_TTL`, so a TURN server started with `use-auth-secret` and the same
`static-auth-secret` accepts them and nobody else can mint them.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BaseModel, Field

from lobbyd.config import Settings
from lobbyd.kit.clock import rfc3339
from lobbyd.kit.turn import mint


class IceServer(BaseModel):
    """One WebRTC `RTCIceServer`: URLs, and for TURN the username and credential."""

    urls: list[str]
    username: Annotated[str | None, Field(description='TURN only: "<unix expiry>:<player>"')] = None
    credential: Annotated[
        str | None, Field(description="TURN only: base64(HMAC-SHA1(secret, username))")
    ] = None


class IceAnswer(BaseModel):
    """The ICE servers for `new RTCPeerConnection({iceServers})`, and when to ask again."""

    ice_servers: list[IceServer]
    expires_at: Annotated[
        str, Field(description="RFC 3339: the TURN credentials stop working then; ask again before")
    ]


class IceServers:
    """Builds answers from the settings (STUN and TURN URLs, the TURN secret and lifetime)."""

    def __init__(self, settings: Settings) -> None:
        self.stun = list(settings.stun_urls)
        self.turn = list(settings.turn_urls)
        self.secret = settings.turn_secret.get_secret_value() if settings.turn_secret else ""
        self.ttl = settings.turn_ttl

    def answer(self, player: str, now: float) -> IceAnswer:
        """The servers for `player`, TURN credentials valid from `now` for the lifetime."""
        expires = math.floor(now) + self.ttl
        servers: list[IceServer] = []
        if self.stun:
            servers.append(IceServer(urls=self.stun))
        if self.turn:
            credential = mint(self.secret, player, expires)
            servers.append(
                IceServer(
                    urls=self.turn, username=credential.username, credential=credential.credential
                )
            )
        return IceAnswer(ice_servers=servers, expires_at=rfc3339(expires))
