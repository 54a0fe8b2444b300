"""Request and response bodies of the hosts API."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StrictBool

from lobbyd.kit.ids import blank, canonical_uuid
from lobbyd.schemas import StrictBody


def _guest(value: str) -> str:
    if not value.isprintable():
        raise ValueError("a guest id must be printable characters")
    if blank(value):
        raise ValueError("a guest id must have a visible character")
    if any(segment in (".", "..") for segment in value.split("/")):
        # HTTP clients rewrite "." and ".." path segments before sending, so such an id would
        # silently address another resource (DELETE .../banlist/.. is DELETE /hosts/{host}).
        raise ValueError('a guest id may not have "." or ".." as a path segment')
    # A registered host may be named in any UUID spelling; one canonical form means a ban or a
    # membership cannot be dodged by writing the same uuid in capitals.
    return canonical_uuid(value) or value


GuestId = Annotated[
    str,
    Field(min_length=1, max_length=128, description="a host uuid, or any noname's id"),
    AfterValidator(_guest),
]


class OnlyFriends(StrictBody):
    """Body of PUT /hosts/{host}/only_friends."""

    only_friends: StrictBool


class AllowNonames(StrictBody):
    """Body of PUT /hosts/{host}/allow_nonames."""

    allow_nonames: StrictBool


class HostPublic(BaseModel):
    """What anyone authenticated may see of a host."""

    uuid: str
    only_friends: bool
    allow_nonames: bool


class Host(HostPublic):
    """The whole host resource, as its owner sees it."""

    friends: list[str]
    banlist: list[str]


class Registered(Host):
    """The registration answer: the host plus its secret, shown only here."""

    secret: str = Field(description="the login password; store it, it is never shown again")


class Token(BaseModel):
    """A bearer token."""

    token: str
    expires_in: int = Field(description="seconds until the token expires")
