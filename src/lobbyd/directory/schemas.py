"""Request and response bodies of the directory (docs/directory.md), with their limits."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from lobbyd.hosts.schemas import GuestId
from lobbyd.kit.etags import etag_of
from lobbyd.kit.ids import blank
from lobbyd.schemas import StrictBody
from lobbyd.sessions.schemas import Keyword, SessionType

MAX_CUSTOM_KEYS = 32
MAX_CUSTOM_TOTAL = 16 * 1024  # characters over every key and value
MAX_PLATFORM_ID = 4096
MAX_TAKE = 100
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class Platform(StrEnum):
    """The platforms of rallyhere-platform-session.txt, exactly and case-sensitive."""

    Anon = "Anon"
    Basic = "Basic"
    XboxLive = "XboxLive"
    PSN = "PSN"
    NintendoNAID = "NintendoNAID"
    NintendoSwitch = "NintendoSwitch"
    NintendoPPID = "NintendoPPID"
    Google = "Google"
    GooglePlay = "GooglePlay"
    Apple = "Apple"
    Epic = "Epic"
    Steam = "Steam"
    Amazon = "Amazon"
    Twitch = "Twitch"
    RallyHere = "RallyHere"
    LegacyName = "LegacyName"


def _identifier(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must be printable characters")
    if blank(value):
        raise ValueError("must have a visible character")
    return value


def _base64(value: str) -> str:
    """Standard base64 (RFC 4648 section 4) with its padding, in its one canonical spelling."""
    if len(value) % 4 or not _BASE64.fullmatch(value):
        raise ValueError("must be standard base64 (A-Z a-z 0-9 + /) padded with = to 4n")
    try:
        decoded = base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ValueError("must be valid base64") from exc
    # Unused trailing bits must be zero: otherwise two spellings would name one platform id.
    if base64.b64encode(decoded).decode() != value:
        raise ValueError("must be canonical base64 (unused bits zero)")
    return value


PlatformSessionId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_PLATFORM_ID),
    AfterValidator(_base64),
]
PlatformSessionType = Annotated[
    str, StringConstraints(min_length=1, max_length=128), AfterValidator(_identifier)
]
CustomKey = Annotated[
    str, StringConstraints(min_length=1, max_length=128), AfterValidator(_identifier)
]
CustomValue = Annotated[str, StringConstraints(min_length=1, max_length=4096)]


def _bounded(data: dict[str, str]) -> dict[str, str]:
    if sum(len(key) + len(value) for key, value in data.items()) > MAX_CUSTOM_TOTAL:
        raise ValueError(f"custom_data may hold at most {MAX_CUSTOM_TOTAL} characters in all")
    return data


CustomData = Annotated[
    dict[CustomKey, CustomValue], Field(max_length=MAX_CUSTOM_KEYS), AfterValidator(_bounded)
]


class PlayerRequest(StrictBody):
    """Body of POST /sessions/{id}/invites and POST /sessions/{id}/reservations."""

    player: GuestId = Field(description="a host uuid, or a noname's id")


class Invite(BaseModel):
    """A pending invite."""

    session_id: int
    player: str
    inviting_player_uuid: str = Field(description="the host of the session")
    created_at: str


class Reservation(BaseModel):
    """A seat held for a player until `expires_at`."""

    session_id: int
    player: str
    created_at: str
    expires_at: str


def _omitted(value: object) -> bool:
    return value is None


class PendingInvite(BaseModel):
    """An invite to a session that a player received."""

    session_id: int
    inviting_player_uuid: str


class SessionsOfType(BaseModel):
    """A player's sessions of one session type."""

    type: str
    session_ids: list[int] = Field(description="sessions the player is a member of")
    pending_invites: dict[str, PendingInvite] = Field(description="keyed by session id")
    reserved_sessions: list[int] = Field(
        description="sessions where the player holds a live reservation"
    )


class PlayerSessions(BaseModel):
    """Everything a player is a member of, invited to, or holds a seat in, by session type."""

    sessions: dict[str, SessionsOfType]
    last_updated_timestamp: str | None = Field(
        None,
        exclude_if=_omitted,
        description="when the newest listed membership, invite or reservation was made; "
        "omitted (never null) when nothing is listed",
    )


class SessionQuery(BaseModel):
    """The filters of GET /sessions (unknown parameters are 422)."""

    model_config = ConfigDict(extra="forbid")

    keyword: Keyword | None = Field(None, description="sessions carrying this keyword")
    player: GuestId | None = Field(
        None, description="sessions this player is a member of (active, unless inactive=true)"
    )
    type: SessionType | None = Field(None, description="sessions of this type")
    visibility: Literal["open"] | None = Field(
        None, description="open: only sessions that can be joined (neither private nor full)"
    )
    reservations: bool = Field(
        False, description="also sessions where the player holds a reservation (self or admin)"
    )
    inactive: bool = Field(False, description="also sessions where the player is inactive")
    private: bool = Field(False, description="also private sessions (self or admin)")
    take: int = Field(MAX_TAKE, ge=1, le=MAX_TAKE, description="page size")
    cursor: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        None, description="next_cursor of the previous page, with the same filters"
    )


class AdminSessionQuery(BaseModel):
    """The filters of GET /admin/sessions (unknown parameters are 422)."""

    model_config = ConfigDict(extra="forbid")

    host: UUID | None = Field(None, description="only the session this host runs")
    keyword: Keyword | None = Field(None, description="only sessions carrying this keyword")
    take: int = Field(MAX_TAKE, ge=1, le=MAX_TAKE, description="page size")
    cursor: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        None, description="next_cursor of the previous page, with the same filters"
    )


class QueryResult(BaseModel):
    """One session found by a query."""

    session_id: int
    host: str
    type: str
    start_time: str
    accepted: int = Field(description="members, the host included")
    player_count: int = Field(description="seats taken: members plus live reservations")
    capacity: int
    status: Literal["active", "inactive", "reserved"] | None = Field(
        None,
        exclude_if=_omitted,
        description="the filtered player's status in the session; only with `player`",
    )
    visibility: Literal["open", "private", "full"]
    join_restriction: Literal["followed", "none"] = Field(
        description="followed: the host admits only its friends (and invited players)"
    )
    my_turn: bool | None = Field(
        None,
        exclude_if=_omitted,
        description="whether the filtered player is in the session's `turn`; only with `player`",
    )
    keywords: list[str]
    labels: dict[str, str]
    player: str | None = Field(
        None,
        exclude_if=_omitted,
        description="the player the session was found by (MPSD's xuid); only with `player`",
    )


class QueryPage(BaseModel):
    """A page of query results."""

    results: list[QueryResult]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null: done")


class PlatformSessionLink(StrictBody):
    """Body of PUT /sessions/{id}/platform-sessions/{platform}."""

    platform_session_type: PlatformSessionType = Field(
        description="the platform's identifier of its session template"
    )
    platform_session_id_base64: PlatformSessionId = Field(
        description="the platform's session id, standard base64 (RFC 4648 section 4) with padding"
    )
    custom_data: CustomData = Field(
        default_factory=dict,
        description=f"at most {MAX_CUSTOM_KEYS} string values of 1-4096 characters, "
        f"{MAX_CUSTOM_TOTAL} characters in all",
    )


class PlatformPlayer(BaseModel):
    """RallyHere's deprecated platform player; lobbyd lists none."""

    player_uuid: str
    player_id: int | None = None
    leader: bool = False


class PlatformSession(BaseModel):
    """A platform session linked to a lobbyd session."""

    platform: Platform
    platform_session_type: str
    platform_session_id_base64: str
    players: list[PlatformPlayer] = Field(
        default_factory=list, description="deprecated (as in RallyHere); always empty"
    )
    custom_data: dict[str, str]
    session_id: int


@dataclass(frozen=True, slots=True)
class Tagged:
    """A response body, serialized once, and its ETag."""

    body: str
    etag: str


def tagged(view: BaseModel) -> Tagged:
    """The JSON body of a view and its ETag (a hash of that body)."""
    body = view.model_dump_json()
    return Tagged(body, etag_of(body))
