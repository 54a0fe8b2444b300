"""Who is calling: the bearer dependency every authenticated route uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lobbyd.auth.tokens import Claims, Tokens
from lobbyd.errors import Unauthorized
from lobbyd.kit.clock import Clock

#: Returns the current secret generation of a host, or None if the host no longer exists.
GenerationLookup = Callable[[str], Awaitable[int | None]]

bearer = HTTPBearer(auto_error=False, description="A token from GET /hosts/{host}/access_token")


CACHE_MAX = 100_000


class Authenticator:
    """Verifies bearer tokens, and refuses those issued before the host's last secret rotation
    and those of a deleted host.

    A host's current secret generation is remembered for `cache_ttl` seconds, so a busy host's
    requests do not each cost a database read; the replica that rotates a secret or deletes the
    host forgets it at once (`forget`), other replicas within `cache_ttl`."""

    def __init__(
        self,
        tokens: Tokens,
        generation: GenerationLookup | None = None,
        *,
        clock: Clock | None = None,
        cache_ttl: float = 0.0,
    ) -> None:
        self.tokens = tokens
        self.generation = generation
        self._clock = clock
        self._ttl = cache_ttl if clock is not None else 0.0
        self._known: dict[str, tuple[int | None, float]] = {}
        # Tokens already verified (their signature cannot change): about 30 us saved per
        # request. Expiry and revocation are still checked on every use.
        self._verified: dict[str, Claims] = {}

    async def principal(self, token: str) -> Claims:
        """The verified claims of a token that is still in force."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self.tokens.verify(token)
            if len(self._verified) >= CACHE_MAX:
                self._verified.clear()
            self._verified[token] = claims
        elif self._clock is not None and claims.expires <= self._clock.now():
            del self._verified[token]
            raise Unauthorized("token expired")
        if claims.generation is not None and self.generation is not None:
            current = await self._current(claims.subject)
            if current is None:
                raise Unauthorized("token revoked: its host was deleted")
            if current != claims.generation:
                raise Unauthorized("token revoked; log in again")
        return claims

    def forget(self, subject: str) -> None:
        """Drop what is remembered of a host (its secret was just rotated, or it was deleted)."""
        self._known.pop(subject, None)

    async def _current(self, subject: str) -> int | None:
        assert self.generation is not None
        if not self._ttl or self._clock is None:
            return await self.generation(subject)
        now = self._clock.now()
        known = self._known.get(subject)
        if known is not None and known[1] > now:
            return known[0]
        current = await self.generation(subject)
        if len(self._known) >= CACHE_MAX:
            self._known.clear()
        self._known[subject] = (current, now + self._ttl)
        return current


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Claims:
    """The caller's verified claims; 401 with WWW-Authenticate: Bearer otherwise."""
    if credentials is None:
        raise Unauthorized("missing bearer token")
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator.principal(credentials.credentials)


async def authenticate_if_given(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Claims | None:
    """The caller's verified claims when a bearer token is sent, else None."""
    if credentials is None:
        return None
    return await authenticate(request, credentials)


Principal = Annotated[Claims, Depends(authenticate)]
MaybePrincipal = Annotated[Claims | None, Depends(authenticate_if_given)]
