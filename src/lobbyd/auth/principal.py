"""Who is calling: the bearer dependency every authenticated route uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lobbyd.auth.scopes import grants
from lobbyd.auth.tokens import Claims, Tokens
from lobbyd.errors import Forbidden, Unauthorized

#: Returns the current secret generation of a host, or None if the host no longer exists.
GenerationLookup = Callable[[str], Awaitable[int | None]]

bearer = HTTPBearer(auto_error=False, description="A token from GET /hosts/{host}/access_token")


class Authenticator:
    """Verifies bearer tokens, and refuses those issued before the host's last secret rotation."""

    def __init__(self, tokens: Tokens, generation: GenerationLookup | None = None) -> None:
        self.tokens = tokens
        self.generation = generation

    async def principal(self, token: str) -> Claims:
        """The verified claims of a token that is still in force."""
        claims = self.tokens.verify(token)
        if claims.generation is not None and self.generation is not None:
            current = await self.generation(claims.subject)
            if current is not None and current != claims.generation:
                raise Unauthorized("token revoked; log in again")
        return claims


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


def require_owner(principal: Claims, host: str) -> None:
    """403 unless the caller is `host` itself or an admin."""
    if principal.subject != host and not principal.is_admin:
        raise Forbidden("this belongs to another host")


def require_scope(principal: Claims, scope: str) -> None:
    """403 unless the caller holds `scope`."""
    if not grants(principal.scopes, scope):
        raise Forbidden(f"requires scope {scope}")
