"""`LobbydClient`: the lobbyd HTTP API for game tools and bots, over httpx.

Every call raises `ApiError` (status, code, message) for an error answer. The client keeps a
token (set by `login`, `renew`, or given at construction) and sends it with every call.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable, Mapping
from json import dumps
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from lobbyd_client.document import JSON, Document
from lobbyd_client.errors import ApiError
from lobbyd_client.heartbeat import Heartbeat
from lobbyd_client.models import (
    Credentials,
    HeartbeatAnswer,
    Host,
    HostPublic,
    IceAnswer,
    Invite,
    Joined,
    PlatformSession,
    PlayerSessions,
    QueryPage,
    QueryResult,
    Reservation,
    Session,
    SessionPublic,
    SessionRef,
    Token,
    Welcome,
    session_view,
)
from lobbyd_client.socket import SyncSocket

MERGE_PATCH = "application/merge-patch+json"


def _segment(value: str) -> str:
    return quote(value, safe="")


class LobbydClient:
    """An async client of one lobbyd service (use as `async with`)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        #: When the token expires (`time.monotonic()`), if the client obtained it (else None).
        self.token_expires_at: float | None = None
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, transport=transport)

    def __repr__(self) -> str:
        token = "None" if self.token is None else "'***'"
        return f"LobbydClient({self.base_url!r}, token={token})"

    async def __aenter__(self) -> LobbydClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> httpx.Response:
        """Any call: the response, or ApiError for a status of 400 or more."""
        sent = dict(headers or {})
        if self.token is not None and auth is None:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        response = await self._http.request(
            method, path, json=json, content=content, params=params, headers=sent, auth=auth
        )
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = response.text
            raise ApiError.from_body(response.status_code, body)
        return response

    async def _json(self, method: str, path: str, **options: Any) -> Any:
        return (await self.request(method, path, **options)).json()

    async def _host(self, method: str, path: str, **options: Any) -> Host:
        return Host.from_json(await self._json(method, path, **options))

    # Hosts.

    async def register(self) -> Credentials:
        """Register a new host (its secret is in the answer only)."""
        return Credentials.from_json(await self._json("POST", "/hosts"))

    async def login(self, host: str, secret: str) -> Token:
        """Log in with the host's secret; the token is kept for later calls."""
        body = await self._json("GET", f"/hosts/{host}/access_token", auth=(host, secret))
        return self._keep(Token.from_json(body))

    async def renew(self) -> Token:
        """Trade the current token for a fresh one (kept for later calls)."""
        return self._keep(Token.from_json(await self._json("GET", "/hosts/access_token/renew")))

    def _keep(self, token: Token) -> Token:
        self.token = token.token
        self.token_expires_at = time.monotonic() + token.expires_in
        return token

    async def get_host(self, host: str) -> Host | HostPublic:
        """A host: a `Host` (all of it) for its owner and admins, a `HostPublic` for others."""
        body = await self._json("GET", f"/hosts/{host}")
        return Host.from_json(body) if "friends" in body else HostPublic.from_json(body)

    async def set_only_friends(self, host: str, only_friends: bool) -> Host:
        """Let only friends join (or anyone welcome)."""
        body = {"only_friends": only_friends}
        return await self._host("PUT", f"/hosts/{host}/only_friends", json=body)

    async def set_allow_nonames(self, host: str, allow_nonames: bool) -> Host:
        """Let guests without an account join (or not)."""
        body = {"allow_nonames": allow_nonames}
        return await self._host("PUT", f"/hosts/{host}/allow_nonames", json=body)

    async def befriend(self, host: str, friend: str) -> Host:
        """Add a friend."""
        return await self._host("POST", f"/hosts/{host}/friends", params={"friend": friend})

    async def unfriend(self, host: str, friend: str) -> Host:
        """Remove a friend."""
        return await self._host("DELETE", f"/hosts/{host}/friends/{_segment(friend)}")

    async def ban(self, host: str, guest: str) -> Host:
        """Ban a guest (it also leaves the host's live session)."""
        return await self._host("POST", f"/hosts/{host}/banlist", params={"banned": guest})

    async def unban(self, host: str, guest: str) -> Host:
        """Lift a ban."""
        return await self._host("DELETE", f"/hosts/{host}/banlist/{_segment(guest)}")

    async def delete_host(self, host: str) -> None:
        """Delete the account (its session ends)."""
        await self.request("DELETE", f"/hosts/{host}")

    async def rotate_secret(self, host: str, secret: str | None = None) -> Credentials:
        """Replace the host's secret, proving the current one (or, with `secret=None`, as an
        admin); every token issued before stops working, so log in again with the new one."""
        auth = None if secret is None else (host, secret)
        return Credentials.from_json(await self._json("POST", f"/hosts/{host}/secret", auth=auth))

    async def welcome(self, host: str, guest: str) -> Welcome:
        """The host's welcome check: would `guest` be admitted (`welcome`), and the rule that
        decides (`reason`)."""
        body = await self._json("GET", f"/hosts/{host}/welcome", params={"guest": guest})
        return Welcome.from_json(body)

    # Sessions.

    async def launch(self, host: str, **options: Any) -> SessionRef:
        """Launch the host's session (or get its active one): type, capacity, visibility,
        keywords, labels, connection."""
        response = await self.request("POST", "/sessions", json={"host": host, **options})
        body = response.json()
        created = response.status_code == 201
        return SessionRef(
            session_id=body["session_id"],
            source_of_truth_key=body["source_of_truth_key"],
            created=created,
        )

    async def join(self, host: str, guest: str) -> Joined:
        """Join `guest` to `host`'s session; the answer carries the join ticket."""
        body = await self._json("POST", "/sessions/players", json={"host": host, "guest": guest})
        return Joined.from_json(body)

    async def get_session(self, session_id: int) -> Session | SessionPublic:
        """A session: a `Session` (everything) for members and admins, else a `SessionPublic`."""
        return session_view(await self._json("GET", f"/sessions/{session_id}"))

    async def update_session(self, session_id: int, **changes: Any) -> Session:
        """The host changes visibility, keywords, labels, connection or turn."""
        return Session.from_json(await self._json("PATCH", f"/sessions/{session_id}", json=changes))

    async def end_session(self, session_id: int) -> None:
        """The host ends its session."""
        await self.request("DELETE", f"/sessions/{session_id}")

    async def remove_player(self, session_id: int, guest: str) -> None:
        """The guest leaves (called by the guest) or is kicked (called by the host)."""
        await self.request("DELETE", f"/sessions/{session_id}/players/{_segment(guest)}")

    async def ice(self, session_id: int) -> IceAnswer:
        """STUN and TURN servers for WebRTC (`RTCIceServer` entries, TURN with credentials
        minted for the caller), and when those credentials expire."""
        return IceAnswer.from_json(await self._json("GET", f"/sessions/{session_id}/ice"))

    async def heartbeat(self, session_id: int, players: Iterable[str] = ()) -> HeartbeatAnswer:
        """Show life (the host may vouch for guests present in its game); the answer says how
        many seconds of silence the server allows."""
        body = {"players": list(players)}
        path = f"/sessions/{session_id}/heartbeat"
        return HeartbeatAnswer.from_json(await self._json("POST", path, json=body))

    def keep_alive(
        self,
        session_id: int,
        players: Iterable[str] = (),
        *,
        interval: float | None = None,
        renew_margin: float = 60.0,
    ) -> Heartbeat:
        """A `Heartbeat` that keeps the session alive from a background task (use as
        `async with`): a heartbeat every `interval` seconds (default: a third of the timeout
        the server answers), renewing this client's token when it is within `renew_margin`
        seconds of expiring."""
        return Heartbeat(self, session_id, players, interval=interval, renew_margin=renew_margin)

    # Directory.

    async def player_sessions(self, player: str) -> PlayerSessions:
        """Sessions the player is in, invited to or holds a seat in, grouped by type."""
        body = await self._json("GET", f"/players/{_segment(player)}/sessions")
        return PlayerSessions.from_json(body)

    async def query_sessions(self, **filters: Any) -> QueryPage:
        """One page of `GET /sessions` ({results, next_cursor}); filters as in the API:
        keyword, player, type, visibility, reservations, inactive, private, take, cursor."""
        params = {name: value for name, value in filters.items() if value is not None}
        return QueryPage.from_json(await self._json("GET", "/sessions", params=_query(params)))

    async def iter_sessions(self, **filters: Any) -> AsyncIterator[QueryResult]:
        """Every session the query finds, page after page (each page one request)."""
        cursor = filters.pop("cursor", None)
        while True:
            page = await self.query_sessions(**filters, cursor=cursor)
            for found in page.results:
                yield found
            cursor = page.next_cursor
            if cursor is None:
                return

    async def invite(self, session_id: int, player: str) -> Invite:
        """The host invites a player (again: the existing invite)."""
        body = {"player": player}
        path = f"/sessions/{session_id}/invites"
        return Invite.from_json(await self._json("POST", path, json=body))

    async def invites(self, session_id: int) -> list[Invite]:
        """The session's pending invites (the host)."""
        body = await self._json("GET", f"/sessions/{session_id}/invites")
        return [Invite.from_json(each) for each in body]

    async def remove_invite(self, session_id: int, player: str) -> None:
        """The invited player declines, or the host revokes."""
        await self.request("DELETE", f"/sessions/{session_id}/invites/{_segment(player)}")

    async def reserve(self, session_id: int, player: str) -> Reservation:
        """The host holds a seat for a player (again: extends the reservation)."""
        body = {"player": player}
        path = f"/sessions/{session_id}/reservations"
        return Reservation.from_json(await self._json("POST", path, json=body))

    async def remove_reservation(self, session_id: int, player: str) -> None:
        """The host cancels a reservation, or its player releases it."""
        await self.request("DELETE", f"/sessions/{session_id}/reservations/{_segment(player)}")

    async def link_platform_session(
        self,
        session_id: int,
        platform: str,
        platform_session_id_base64: str,
        platform_session_type: str,
        custom_data: Mapping[str, str] | None = None,
    ) -> PlatformSession:
        """The host links its session to the platform's own session (one per platform)."""
        body = {
            "platform_session_id_base64": platform_session_id_base64,
            "platform_session_type": platform_session_type,
            "custom_data": dict(custom_data or {}),
        }
        path = f"/sessions/{session_id}/platform-sessions/{_segment(platform)}"
        return PlatformSession.from_json(await self._json("PUT", path, json=body))

    async def get_platform_session(
        self, platform: str, platform_session_id_base64: str
    ) -> PlatformSession:
        """A platform session and the lobbyd session linked to it."""
        path = f"/platforms/{_segment(platform)}/platform-sessions/"
        body = await self._json("GET", path + _segment(platform_session_id_base64))
        return PlatformSession.from_json(body)

    async def unlink_platform_session(self, session_id: int, platform: str) -> None:
        """The host removes its session's link on a platform."""
        path = f"/sessions/{session_id}/platform-sessions/{_segment(platform)}"
        await self.request("DELETE", path)

    # Sync.

    async def get_document(self, key: str) -> Document:
        """The session's source of truth."""
        return Document.from_json(await self._json("GET", f"/sync/{_segment(key)}"))

    async def put_state(self, key: str, state: JSON, *, if_version: int | None = None) -> int:
        """The host replaces the state; the new version."""
        headers = _if_match(if_version)
        body = await self._json("PUT", f"/sync/{_segment(key)}", json=state, headers=headers)
        return int(body["version"])

    async def patch_state(self, key: str, patch: JSON, *, if_version: int | None = None) -> int:
        """The host merges an RFC 7396 patch into the state; the new version."""
        headers = {"Content-Type": MERGE_PATCH, **_if_match(if_version)}
        content = dumps(patch).encode()
        path = f"/sync/{_segment(key)}"
        body = await self._json("PATCH", path, content=content, headers=headers)
        return int(body["version"])

    async def put_member(
        self, key: str, player: str, document: JSON, *, if_version: int | None = None
    ) -> int:
        """A member replaces its own sub-document; the new version."""
        path = f"/sync/{_segment(key)}/members/{_segment(player)}"
        body = await self._json("PUT", path, json=document, headers=_if_match(if_version))
        return int(body["version"])

    async def send_signal(self, key: str, to: str, data: JSON) -> None:
        """Send a signal to member `to`'s open sync sockets (at most once; nothing stored)."""
        await self.request("POST", f"/sync/{_segment(key)}/signals", json={"to": to, "data": data})

    def sync_socket(self, key: str, *, since: int | None = None, **options: Any) -> SyncSocket:
        """A sync socket to the document (use as `async with`), with this client's token."""
        if self.token is None:
            raise ValueError("log in first: the socket needs a token")
        return SyncSocket(self.base_url, key, self.token, since=since, **options)


def _query(params: Mapping[str, Any]) -> dict[str, str | int]:
    """Query parameters as the API spells them (booleans as true/false)."""
    return {
        name: ("true" if value else "false") if isinstance(value, bool) else value
        for name, value in params.items()
    }


def _if_match(version: int | None) -> dict[str, str]:
    return {} if version is None else {"If-Match": f'"v{version}"'}
