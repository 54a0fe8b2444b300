"""Join tickets: short-lived ES256 tokens a host's game verifies offline with the JWKS.

ES256 rather than EdDSA because it is the asymmetric JWT algorithm game engines' libraries
(.NET, Unity, C++ jwt-cpp, Go, Node) all support out of the box.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from lobbyd.kit.clock import Clock

ALGORITHM = "ES256"
AUDIENCE = "lobbyd:join-ticket"


def new_private_key_pem() -> str:
    """A fresh P-256 private key, PEM-encoded (kept in the database, shared by replicas)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 key id."""
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Tickets:
    """Issues join tickets and publishes the public key."""

    def __init__(self, private_key_pem: str, *, issuer: str, ttl: int, clock: Clock) -> None:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        self._key = key
        public: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(key.public_key()))
        self.kid = _thumbprint(public)
        self._jwk = {**public, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}
        self._issuer = issuer
        self.ttl = ttl
        self._clock = clock

    def issue(self, guest: str, session_id: int, host: str) -> str:
        """A ticket saying the service admitted `guest` to `host`'s session `session_id`."""
        now = int(self._clock.now())
        claims = {
            "iss": self._issuer,
            "aud": AUDIENCE,
            "sub": guest,
            "sid": session_id,
            "host": host,
            "iat": now,
            "exp": now + self.ttl,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The JSON Web Key Set games fetch to verify tickets."""
        return {"keys": [dict(self._jwk)]}
