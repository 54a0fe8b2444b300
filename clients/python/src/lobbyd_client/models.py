"""The answers of lobbyd's HTTP API as typed, frozen dataclasses (the client returns no dicts).

Each one is built from the JSON body by `from_json`, which ignores fields it does not know, so a
newer server that adds fields still works with this client. Nested objects become dataclasses
too; strings that are timestamps stay ISO 8601 strings, as the server sends them.

Reprs never show a secret, a token or a join ticket: `Credentials`, `Token` and `Joined` print
`'***'` in their place, so logging an answer does not leak what authenticates.
"""

from __future__ import annotations

import dataclasses
import sys
import types
from typing import Any, Literal, Self, Union, get_args, get_origin, get_type_hints

JSON = dict[str, Any]
HIDDEN = "'***'"


class Model:
    """A typed answer: `from_json` builds it from the body the API sends."""

    @classmethod
    def from_json(cls, body: JSON) -> Self:
        """From an answer's JSON body (unknown fields are ignored)."""
        hints = _hints(cls)
        values = {
            field.name: _build(hints[field.name], body[field.name])
            for field in dataclasses.fields(cls)  # type: ignore[arg-type]
            if field.init and field.name in body
        }
        return cls(**values)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls, vars(sys.modules[cls.__module__]))
    return _HINTS[cls]


def _build(kind: Any, value: Any) -> Any:
    """`value` (decoded JSON) as the annotated `kind`: dataclasses for objects, recursively."""
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        options = [option for option in get_args(kind) if option is not type(None)]
        if value is None:
            return None
        return _build(options[0], value) if len(options) == 1 else value
    if origin is list:
        (item,) = get_args(kind)
        return [_build(item, each) for each in value]
    if origin is dict:
        _, item = get_args(kind)
        return {name: _build(item, each) for name, each in value.items()}
    if isinstance(kind, type) and issubclass(kind, Model):
        return kind.from_json(value)
    return value


def _hiding(instance: object, hidden: frozenset[str]) -> str:
    shown = ", ".join(
        f"{field.name}={HIDDEN if field.name in hidden else repr(getattr(instance, field.name))}"
        for field in dataclasses.fields(instance)  # type: ignore[arg-type]
        if field.repr
    )
    return f"{type(instance).__name__}({shown})"


# Hosts.


@dataclasses.dataclass(frozen=True, kw_only=True)
class HostPublic(Model):
    """What anyone authenticated sees of a host."""

    uuid: str
    only_friends: bool
    allow_nonames: bool


@dataclasses.dataclass(frozen=True, kw_only=True)
class Host(HostPublic):
    """The whole host, as its owner (or an admin) sees it."""

    friends: list[str]
    banlist: list[str]


@dataclasses.dataclass(frozen=True, kw_only=True, repr=False)
class Credentials(Model):
    """A host's uuid and secret (the server shows the secret only once), and the host itself.

    Its repr hides the secret, so logging or printing credentials does not leak it."""

    uuid: str
    secret: str
    host: Host

    @classmethod
    def from_json(cls, body: JSON) -> Self:
        """From the answer of registration or of a secret rotation (the host plus its secret)."""
        return cls(uuid=body["uuid"], secret=body["secret"], host=Host.from_json(body))

    def __repr__(self) -> str:
        return _hiding(self, frozenset({"secret"}))


@dataclasses.dataclass(frozen=True, kw_only=True, repr=False)
class Token(Model):
    """A bearer token and its lifetime in seconds, as issued (its repr hides the token)."""

    token: str
    expires_in: int

    def __repr__(self) -> str:
        return _hiding(self, frozenset({"token"}))


# Sessions.


@dataclasses.dataclass(frozen=True, kw_only=True)
class SessionRef(Model):
    """A launched session; `created` is False when the host already had this active session."""

    session_id: int
    source_of_truth_key: str
    created: bool = True


@dataclasses.dataclass(frozen=True, kw_only=True, repr=False)
class Joined(Model):
    """A guest's place in a session, and the ticket it hands to the host's game (hidden in the
    repr: the ticket admits its bearer)."""

    session_id: int
    source_of_truth_key: str
    ticket: str  # a signed join ticket; the host's game verifies it with the server's JWKS

    def __repr__(self) -> str:
        return _hiding(self, frozenset({"ticket"}))


@dataclasses.dataclass(frozen=True, kw_only=True)
class Connection(Model):
    """Where guests reach the host's game (shown to members only)."""

    address: str
    ports: dict[str, int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Member(Model):
    """A member of a session, or a seat held by a reservation."""

    player: str
    role: Literal["host", "guest"]
    status: Literal["active", "inactive", "reserved"]
    joined_at: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class SessionPublic(Model):
    """What anyone authenticated sees of an open session (`view` is "public")."""

    view: Literal["public", "member"] = "public"
    session_id: int
    host: str
    type: str
    capacity: int
    visibility: str
    keywords: list[str]
    labels: dict[str, str]
    start_time: str
    player_count: int  # seats taken: members plus live reservations
    accepted: int  # members, the host included
    status: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class Session(SessionPublic):
    """What members and admins see of a session (`view` is "member")."""

    view: Literal["public", "member"] = "member"
    source_of_truth_key: str
    connection: Connection | None = None
    turn: list[str] = dataclasses.field(default_factory=list)
    members: list[Member] = dataclasses.field(default_factory=list)


def session_view(body: JSON) -> Session | SessionPublic:
    """`GET /sessions/{id}`'s answer: the member view or the public one, told apart by `view`."""
    if body.get("view", "member") == "member" and "source_of_truth_key" in body:
        return Session.from_json(body)
    return SessionPublic.from_json(body)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Welcome(Model):
    """The host's welcome check: would this guest be admitted, and by which rule."""

    welcome: bool
    reason: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class HeartbeatAnswer(Model):
    """The answer of a heartbeat: seconds of silence before the session (or guest) times out."""

    timeout: float


@dataclasses.dataclass(frozen=True, kw_only=True, repr=False)
class IceServer(Model):
    """One WebRTC `RTCIceServer`: its URLs and, for TURN, the username and credential (the
    credential is hidden in the repr)."""

    urls: list[str]
    username: str | None = None  # TURN only: "<unix expiry>:<player>"
    credential: str | None = None  # TURN only

    def __repr__(self) -> str:
        return _hiding(self, frozenset() if self.credential is None else frozenset({"credential"}))

    def to_rtc(self) -> JSON:
        """The entry as WebRTC's `RTCIceServer` dictionary (without absent fields)."""
        entry: JSON = {"urls": list(self.urls)}
        if self.username is not None:
            entry["username"] = self.username
        if self.credential is not None:
            entry["credential"] = self.credential
        return entry


@dataclasses.dataclass(frozen=True, kw_only=True)
class IceAnswer(Model):
    """The ICE servers for a peer connection, and when their TURN credentials expire (RFC 3339);
    ask again before then."""

    ice_servers: list[IceServer]
    expires_at: str


# Directory.


@dataclasses.dataclass(frozen=True, kw_only=True)
class PendingInvite(Model):
    """An invite a player received."""

    session_id: int
    inviting_player_uuid: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class SessionsOfType(Model):
    """A player's sessions of one session type."""

    type: str
    session_ids: list[int]
    pending_invites: dict[str, PendingInvite]  # keyed by session id
    reserved_sessions: list[int]


@dataclasses.dataclass(frozen=True, kw_only=True)
class PlayerSessions(Model):
    """Everything a player is a member of, invited to, or holds a seat in, by session type."""

    sessions: dict[str, SessionsOfType]
    last_updated_timestamp: str | None = None  # None when nothing is listed


@dataclasses.dataclass(frozen=True, kw_only=True)
class QueryResult(Model):
    """One session a query found (`status`, `my_turn` and `player` only with `player=`)."""

    session_id: int
    host: str
    type: str
    start_time: str
    accepted: int
    player_count: int
    capacity: int
    visibility: str  # open, private or full
    join_restriction: str  # followed (friends only) or none
    keywords: list[str]
    labels: dict[str, str]
    status: str | None = None
    my_turn: bool | None = None
    player: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class QueryPage(Model):
    """A page of query results; pass `next_cursor` as `cursor` for the next (None: done)."""

    results: list[QueryResult]
    next_cursor: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Invite(Model):
    """A pending invite to a session."""

    session_id: int
    player: str
    inviting_player_uuid: str
    created_at: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class Reservation(Model):
    """A seat held for a player until `expires_at`."""

    session_id: int
    player: str
    created_at: str
    expires_at: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class PlatformPlayer(Model):
    """A platform player (deprecated by the platforms; lobbyd lists none)."""

    player_uuid: str
    player_id: int | None = None
    leader: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class PlatformSession(Model):
    """A platform's own session linked to a lobbyd session."""

    platform: str
    platform_session_type: str
    platform_session_id_base64: str
    custom_data: dict[str, str]
    session_id: int
    players: list[PlatformPlayer] = dataclasses.field(default_factory=list)
