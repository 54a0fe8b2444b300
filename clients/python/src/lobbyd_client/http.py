"""`LobbydClient`: the lobbyd HTTP API for game tools and bots, over httpx.

Every call raises `ApiError` (status, code, message) for an error answer. The client keeps a
token (set by `login`, `renew`, or given at construction) and sends it with every call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from json import dumps
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from lobbyd_client.document import JSON, Document
from lobbyd_client.errors import ApiError
from lobbyd_client.socket import SyncSocket

MERGE_PATCH = "application/merge-patch+json"


@dataclass(frozen=True, repr=False)
class Credentials:
    """A host's uuid and secret (the server shows the secret only once), and the host itself.

    Its repr hides the secret, so logging or printing credentials does not leak it."""

    uuid: str
    secret: str
    host: JSON  # the host resource, without the secret

    def __repr__(self) -> str:
        return f"Credentials(uuid={self.uuid!r}, secret='***', host={self.host!r})"


@dataclass(frozen=True)
class SessionRef:
    """A launched session; `created` is False when the host already had this active session."""

    session_id: int
    source_of_truth_key: str
    created: bool


@dataclass(frozen=True)
class Joined:
    """A guest's place in a session, and the ticket it hands to the host's game."""

    session_id: int
    source_of_truth_key: str
    ticket: str  # a signed join ticket; the host's game verifies it with the server's JWKS


def _credentials(body: JSON) -> Credentials:
    host = {name: value for name, value in body.items() if name != "secret"}
    return Credentials(body["uuid"], body["secret"], host)


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
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, transport=transport)

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

    # Hosts.

    async def register(self) -> Credentials:
        """Register a new host (its secret is in the answer only)."""
        return _credentials(await self._json("POST", "/hosts"))

    async def login(self, host: str, secret: str) -> str:
        """Log in with the host's secret; the token is kept for later calls."""
        body = await self._json("GET", f"/hosts/{host}/access_token", auth=(host, secret))
        self.token = str(body["token"])
        return self.token

    async def renew(self) -> str:
        """Trade the current token for a fresh one (kept for later calls)."""
        body = await self._json("GET", "/hosts/access_token/renew")
        self.token = str(body["token"])
        return self.token

    async def get_host(self, host: str) -> JSON:
        """A host (all of it for its owner; public fields for others)."""
        result: JSON = await self._json("GET", f"/hosts/{host}")
        return result

    async def set_only_friends(self, host: str, only_friends: bool) -> JSON:
        """Let only friends join (or anyone welcome)."""
        body = {"only_friends": only_friends}
        result: JSON = await self._json("PUT", f"/hosts/{host}/only_friends", json=body)
        return result

    async def set_allow_nonames(self, host: str, allow_nonames: bool) -> JSON:
        """Let guests without an account join (or not)."""
        body = {"allow_nonames": allow_nonames}
        result: JSON = await self._json("PUT", f"/hosts/{host}/allow_nonames", json=body)
        return result

    async def befriend(self, host: str, friend: str) -> JSON:
        """Add a friend."""
        result: JSON = await self._json("POST", f"/hosts/{host}/friends", params={"friend": friend})
        return result

    async def unfriend(self, host: str, friend: str) -> JSON:
        """Remove a friend."""
        result: JSON = await self._json("DELETE", f"/hosts/{host}/friends/{_segment(friend)}")
        return result

    async def ban(self, host: str, guest: str) -> JSON:
        """Ban a guest (it also leaves the host's live session)."""
        result: JSON = await self._json("POST", f"/hosts/{host}/banlist", params={"banned": guest})
        return result

    async def unban(self, host: str, guest: str) -> JSON:
        """Lift a ban."""
        result: JSON = await self._json("DELETE", f"/hosts/{host}/banlist/{_segment(guest)}")
        return result

    async def delete_host(self, host: str) -> None:
        """Delete the account (its session ends)."""
        await self.request("DELETE", f"/hosts/{host}")

    async def rotate_secret(self, host: str, secret: str | None = None) -> Credentials:
        """Replace the host's secret, proving the current one (or, with `secret=None`, as an
        admin); every token issued before stops working, so log in again with the new one."""
        auth = None if secret is None else (host, secret)
        return _credentials(await self._json("POST", f"/hosts/{host}/secret", auth=auth))

    async def welcome(self, host: str, guest: str) -> JSON:
        """The host's welcome check: {welcome, reason}, the rule that decides."""
        result: JSON = await self._json("GET", f"/hosts/{host}/welcome", params={"guest": guest})
        return result

    # Sessions.

    async def launch(self, host: str, **options: Any) -> SessionRef:
        """Launch the host's session (or get its active one): type, capacity, visibility,
        keywords, labels, connection."""
        response = await self.request("POST", "/sessions", json={"host": host, **options})
        body = response.json()
        created = response.status_code == 201
        return SessionRef(body["session_id"], body["source_of_truth_key"], created)

    async def join(self, host: str, guest: str) -> Joined:
        """Join `guest` to `host`'s session; the answer carries the join ticket."""
        body = await self._json("POST", "/sessions/players", json={"host": host, "guest": guest})
        return Joined(body["session_id"], body["source_of_truth_key"], body["ticket"])

    async def get_session(self, session_id: int) -> JSON:
        """A session (members see everything)."""
        result: JSON = await self._json("GET", f"/sessions/{session_id}")
        return result

    async def update_session(self, session_id: int, **changes: Any) -> JSON:
        """The host changes visibility, keywords, labels, connection or turn."""
        result: JSON = await self._json("PATCH", f"/sessions/{session_id}", json=changes)
        return result

    async def end_session(self, session_id: int) -> None:
        """The host ends its session."""
        await self.request("DELETE", f"/sessions/{session_id}")

    async def remove_player(self, session_id: int, guest: str) -> None:
        """The guest leaves (called by the guest) or is kicked (called by the host)."""
        await self.request("DELETE", f"/sessions/{session_id}/players/{_segment(guest)}")

    async def ice(self, session_id: int) -> JSON:
        """`{"ice_servers": [...], "expires_at"}`: STUN and TURN servers (WebRTC
        RTCIceServer entries, TURN with credentials minted for the caller)."""
        result: JSON = await self._json("GET", f"/sessions/{session_id}/ice")
        return result

    async def heartbeat(self, session_id: int, players: Iterable[str] = ()) -> JSON:
        """Show life (the host may vouch for guests present in its game)."""
        body = {"players": list(players)}
        result: JSON = await self._json("POST", f"/sessions/{session_id}/heartbeat", json=body)
        return result

    # Directory.

    async def player_sessions(self, player: str) -> JSON:
        """Sessions the player is in, invited to or holds a seat in, grouped by type."""
        result: JSON = await self._json("GET", f"/players/{_segment(player)}/sessions")
        return result

    async def query_sessions(self, **filters: Any) -> JSON:
        """One page of `GET /sessions` ({results, next_cursor}); filters as in the API:
        keyword, player, type, visibility, reservations, inactive, private, take, cursor."""
        params = {name: value for name, value in filters.items() if value is not None}
        result: JSON = await self._json("GET", "/sessions", params=_query(params))
        return result

    async def iter_sessions(self, **filters: Any) -> AsyncIterator[JSON]:
        """Every session the query finds, page after page (each page one request)."""
        cursor = filters.pop("cursor", None)
        while True:
            page = await self.query_sessions(**filters, cursor=cursor)
            for found in page["results"]:
                yield found
            cursor = page["next_cursor"]
            if cursor is None:
                return

    async def invite(self, session_id: int, player: str) -> JSON:
        """The host invites a player (again: the existing invite)."""
        body = {"player": player}
        result: JSON = await self._json("POST", f"/sessions/{session_id}/invites", json=body)
        return result

    async def invites(self, session_id: int) -> list[JSON]:
        """The session's pending invites (the host)."""
        result: list[JSON] = await self._json("GET", f"/sessions/{session_id}/invites")
        return result

    async def remove_invite(self, session_id: int, player: str) -> None:
        """The invited player declines, or the host revokes."""
        await self.request("DELETE", f"/sessions/{session_id}/invites/{_segment(player)}")

    async def reserve(self, session_id: int, player: str) -> JSON:
        """The host holds a seat for a player (again: extends the reservation)."""
        body = {"player": player}
        path = f"/sessions/{session_id}/reservations"
        result: JSON = await self._json("POST", path, json=body)
        return result

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
    ) -> JSON:
        """The host links its session to the platform's own session (one per platform)."""
        body = {
            "platform_session_id_base64": platform_session_id_base64,
            "platform_session_type": platform_session_type,
            "custom_data": dict(custom_data or {}),
        }
        path = f"/sessions/{session_id}/platform-sessions/{_segment(platform)}"
        result: JSON = await self._json("PUT", path, json=body)
        return result

    async def get_platform_session(self, platform: str, platform_session_id_base64: str) -> JSON:
        """A platform session and the lobbyd session linked to it."""
        path = f"/platforms/{_segment(platform)}/platform-sessions/"
        result: JSON = await self._json("GET", path + _segment(platform_session_id_base64))
        return result

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
