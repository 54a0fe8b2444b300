"""TURN credentials in coturn's REST API scheme (`use-auth-secret`, a shared secret).

The username is `"<unix expiry>:<user>"` and the password is base64(HMAC-SHA1(secret,
username)). The TURN server recomputes the HMAC from its copy of the secret and refuses a
username whose expiry has passed, so nobody without the secret can mint a credential and none
outlives its expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TurnCredential:
    """A username and password for a TURN server that shares the secret."""

    username: str
    credential: str
    expires: int


def mint(secret: str, user: str, expires: int) -> TurnCredential:
    """A credential for `user` valid until the epoch second `expires`."""
    username = f"{expires}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredential(username, base64.b64encode(digest).decode("ascii"), expires)
