"""Request and response bodies of the sessions API, with their limits."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from lobbyd.hosts.schemas import GuestId
from lobbyd.kit.ids import blank
from lobbyd.schemas import StrictBody

MAX_KEYWORDS = 16
MAX_LABELS = 32
MAX_PORTS = 16
MAX_TURN = 256

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


def _printable(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must be printable characters")
    return value


def _visible(value: str) -> str:
    if blank(value):
        raise ValueError("must have a visible character")
    return value


def _address(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    if not _HOSTNAME.match(value):
        raise ValueError("must be an IP address or a host name")
    return value.lower()


SessionType = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
]
Keyword = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    AfterValidator(_printable),
    AfterValidator(_visible),
]
LabelKey = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:/-]+$")
]
LabelValue = Annotated[str, StringConstraints(max_length=256), AfterValidator(_printable)]
Visibility = Literal["open", "private"]
Port = Annotated[int, Field(ge=1, le=65535)]
PortName = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
]


class Connection(StrictBody):
    """Where guests reach the host's game; shown to members only."""

    address: Annotated[str, StringConstraints(min_length=1, max_length=253)] = Field(
        description="IP address or host name", examples=["203.0.113.7"]
    )
    ports: dict[PortName, Port] = Field(
        default_factory=dict,
        max_length=MAX_PORTS,
        description='named ports, e.g. {"game": 7777}',
        examples=[{"game": 7777}],
    )

    @field_validator("address")
    @classmethod
    def _valid_address(cls, value: str) -> str:
        return _address(value)


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Keywords = Annotated[list[Keyword], Field(max_length=MAX_KEYWORDS), AfterValidator(_unique)]
Labels = Annotated[dict[LabelKey, LabelValue], Field(max_length=MAX_LABELS)]
Turn = Annotated[list[GuestId], Field(max_length=MAX_TURN), AfterValidator(_unique)]


class LaunchRequest(StrictBody):
    """Body of POST /sessions."""

    host: GuestId = Field(description="the launching host's uuid")
    type: SessionType = "default"
    capacity: int = Field(8, ge=2, description="seats, the host and reservations included")
    visibility: Visibility = "open"
    keywords: Keywords = Field(default_factory=list)
    labels: Labels = Field(default_factory=dict)
    connection: Connection | None = None


class JoinRequest(StrictBody):
    """Body of POST /sessions/players."""

    host: UUID = Field(description="the uuid of the host whose session to join (not a UUID: 422)")
    guest: GuestId = Field(
        description=(
            "the joining player: a registered host's uuid (joined only by its own token or an "
            "admin's) or a noname's id (joined by the host)"
        )
    )


class SessionUpdate(StrictBody):
    """Body of PATCH /sessions/{id}: the fields to change (null clears connection)."""

    visibility: Visibility | None = None
    keywords: Keywords | None = None
    labels: Labels | None = None
    connection: Connection | None = None
    turn: Turn | None = None


class Heartbeat(StrictBody):
    """Body of POST /sessions/{id}/heartbeat (optional)."""

    players: Annotated[list[GuestId], Field(max_length=MAX_TURN)] = Field(
        default_factory=list,
        description=(
            "host only: nonames present in the host's game (they cannot call); registered "
            "guests listed here are ignored: they show their own life"
        ),
    )


class SessionRef(BaseModel):
    """The answer of launch and join."""

    session_id: int
    source_of_truth_key: str


class Joined(SessionRef):
    """The answer of join: also a ticket the host's game can verify offline."""

    ticket: str = Field(description="ES256 JWT; verify with /.well-known/jwks.json")


class Member(BaseModel):
    """A member of a session (or a seat held by a reservation)."""

    player: str
    role: Literal["host", "guest"]
    status: Literal["active", "inactive", "reserved"]
    joined_at: str | None


class SessionPublic(BaseModel):
    """What anyone authenticated sees of an open session."""

    # `view` is always sent, so the document marks it required (a discriminator must be).
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    view: Literal["public"] = Field(
        "public", description="which view this is: `public` here, `member` for members"
    )
    session_id: int
    host: str
    type: str
    capacity: int
    visibility: Visibility
    keywords: list[str]
    labels: dict[str, str]
    start_time: str
    player_count: int = Field(description="seats taken: members plus live reservations")
    accepted: int = Field(description="members, the host included")
    status: Literal["active"]


class Session(SessionPublic):
    """What members (and admins) see."""

    view: Literal["member"] = Field(  # type: ignore[assignment]
        "member", description="which view this is: `member` here, `public` for others"
    )
    source_of_truth_key: str
    connection: Connection | None
    turn: list[str]
    members: list[Member]


#: `GET /sessions/{id}`'s answer: one of the two views, told apart by `view`.
SessionView = Annotated[Session | SessionPublic, Field(discriminator="view")]


class Welcome(BaseModel):
    """The host's welcome check: would this guest be admitted, and by which rule."""

    welcome: bool
    reason: str


class HeartbeatAnswer(BaseModel):
    """When to send the next sign of life."""

    timeout: int | float = Field(
        description="seconds of silence before a timeout (an integer when whole, e.g. 60)"
    )
