"""JWTs: issued and verified with one pinned algorithm, checked against an injected clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import jwt

from lobbyd.auth.scopes import ADMIN_SUBJECT, ALL
from lobbyd.errors import Unauthorized
from lobbyd.kit.clock import Clock

REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti", "scope"]


@dataclass(frozen=True, slots=True)
class Claims:
    """What a verified token says."""

    subject: str
    scopes: frozenset[str]
    generation: int | None
    expires: int
    token_id: str

    @property
    def player(self) -> str | None:
        """The host a host's token acts as; None for a service token (`lobbyd token`), which
        is no player: it never joins, heartbeats or writes as one, whatever its subject."""
        return self.subject if self.generation is not None else None

    @property
    def is_admin(self) -> bool:
        """True for tokens minted by `lobbyd token --admin`."""
        return ALL in self.scopes


class Tokens:
    """Issues and verifies lobbyd's bearer tokens."""

    def __init__(
        self,
        key: str,
        *,
        algorithm: str,
        issuer: str,
        audience: str,
        ttl: int,
        clock: Clock,
    ) -> None:
        self._key = key
        self._algorithm = algorithm
        self._issuer = issuer
        self._audience = audience
        self.ttl = ttl
        self._clock = clock

    def issue(
        self,
        subject: str,
        scopes: frozenset[str],
        *,
        generation: int | None = None,
        ttl: int | None = None,
    ) -> str:
        """A signed token for `subject` (a host uuid, or "admin")."""
        now = int(self._clock.now())
        claims: dict[str, object] = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": subject,
            "iat": now,
            "exp": now + (ttl or self.ttl),
            "jti": uuid.uuid4().hex,
            "scope": " ".join(sorted(scopes)),
        }
        if generation is not None:
            claims["gen"] = generation
        return jwt.encode(claims, self._key, algorithm=self._algorithm)

    def verify(self, token: str) -> Claims:
        """The claims of a valid token; Unauthorized for anything else."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[self._algorithm],
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "require": REQUIRED_CLAIMS,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized("invalid token") from exc
        return self._checked(claims)

    def _checked(self, claims: dict[str, object]) -> Claims:
        exp, sub, scope, gen = claims["exp"], claims["sub"], claims["scope"], claims.get("gen")
        if not isinstance(exp, int) or exp <= self._clock.now():
            raise Unauthorized("token expired")
        if not isinstance(sub, str) or not isinstance(scope, str):
            raise Unauthorized("invalid token")
        if gen is not None and not isinstance(gen, int):
            raise Unauthorized("invalid token")
        scopes = frozenset(scope.split())
        if sub != ADMIN_SUBJECT and gen is None:
            raise Unauthorized("invalid token")
        return Claims(sub, scopes, gen, exp, str(claims["jti"]))
