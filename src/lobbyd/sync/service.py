"""The sync API's rules: who may read and write a session's source of truth.

Members (the host and the guests) and admins read; only the host (or an admin) writes `state`;
a member writes only its own sub-document. Anyone else, and any unknown key, gets the same 404
`no_document`, so a key's existence never leaks; refusals that would tell (403, 409, 412, 413)
are shown to members only.

Who is a member: the document's `members` (kept up to date by the sessions' membership events)
and, for the host, the session behind the key. The host of a key never changes, so the key ->
session lookup is cached in the process: a host's write costs no database query beyond its
token's verification.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from lobbyd.auth.tokens import Claims
from lobbyd.config import Settings
from lobbyd.errors import Forbidden, LobbydError, NotFound, Unavailable
from lobbyd.kit.clock import Clock
from lobbyd.kit.ids import MAX_ID, canonical_uuid
from lobbyd.sessions.service import SessionsService
from lobbyd.store import codec
from lobbyd.store.base import JSON, Change, Document, SyncStore
from lobbyd.sync.claims import SocketClaims
from lobbyd.sync.liveness import Liveness

#: Keys whose session is remembered; the oldest is forgotten first beyond this.
OWNERS_CACHED = 65_536


def etag(version: int) -> str:
    """The ETag of a document at `version`: `"v17"`."""
    return f'"v{version}"'


@dataclass(frozen=True, slots=True)
class Condition:
    """An If-Match header: the versions a write may apply to (None: any)."""

    versions: frozenset[int] | None

    @classmethod
    def parse(cls, header: str | None) -> Condition:
        """`"v17"`, a list of such tags, or `*`. A tag of another form (a weak one, W/"v1",
        or garbage) can never match under If-Match's strong comparison: it adds nothing, so
        a header of only such tags always fails with 412."""
        if header is None or header.strip() == "*":
            return cls(None)
        versions: set[int] = set()
        for tag in header.split(","):
            tag = tag.strip()
            digits = tag[2:-1]
            # ASCII digits only ("²".isdigit() is true), and few enough to be a version at all.
            if tag.startswith('"v') and tag.endswith('"') and _version_digits(digits):
                versions.add(int(digits))
        return cls(frozenset(versions))


def _version_digits(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID))


@dataclass(frozen=True, slots=True)
class Owner:
    """The session behind a key (never changes for a key)."""

    session_id: int
    host: str


@dataclass(frozen=True, slots=True)
class Access:
    """An authorized reader of one document: what its socket needs."""

    key: str
    principal: Claims
    owner: Owner
    document: Document

    @property
    def member(self) -> bool:
        """A player of the session (not an admin watching it)."""
        return not self.principal.is_admin


class SyncService:
    """Reads and writes of source-of-truth documents, checked against session membership."""

    def __init__(
        self, store: SyncStore, sessions: SessionsService, settings: Settings, clock: Clock
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.liveness = Liveness(sessions.lifecycle.touch, settings.session_timeout / 3)
        self.claims = SocketClaims(store, settings.ws_per_player)
        self._owners: dict[str, Owner] = {}

    async def get(self, principal: Claims, key: str) -> Document:
        """The document, for its members and admins."""
        document = await self._document(key)
        if principal.is_admin or principal.player in document.members:
            return document
        owner = await self._owner(key)
        if owner is None or owner.host != principal.player:
            raise codec.no_document()
        return document

    async def open(self, principal: Claims, key: str) -> Access:
        """Authorize a socket: the reader, its session and the document as of now."""
        document = await self.get(principal, key)
        owner = await self._owner(key)
        if owner is None:
            raise codec.no_document()
        return Access(key, principal, owner, document)

    async def put_state(
        self, principal: Claims, key: str, state: JSON, condition: Condition | None = None
    ) -> Change:
        """The host replaces the state."""
        await self._require_host(principal, key)

        def write(if_version: int | None) -> Awaitable[Change]:
            return self.store.put_state(key, state, if_version=if_version)

        return await self._write(principal, key, condition, write)

    async def patch_state(
        self, principal: Claims, key: str, patch: JSON, condition: Condition | None = None
    ) -> Change:
        """The host merges an RFC 7396 patch into the state."""
        await self._require_host(principal, key)

        def write(if_version: int | None) -> Awaitable[Change]:
            return self.store.patch_state(key, patch, if_version=if_version)

        return await self._write(principal, key, condition, write)

    async def put_member(
        self,
        principal: Claims,
        key: str,
        player: str,
        document: JSON,
        condition: Condition | None = None,
    ) -> Change:
        """A member replaces its own sub-document (an admin, anyone's)."""
        player = canonical_uuid(player) or player
        if player != principal.player and not principal.is_admin:
            raise await self._disclosed(
                principal, key, Forbidden("a member writes only its own document")
            )

        def write(if_version: int | None) -> Awaitable[Change]:
            return self.store.put_member(key, player, document, if_version=if_version)

        return await self._write(principal, key, condition, write)

    async def _write(
        self,
        principal: Claims,
        key: str,
        condition: Condition | None,
        write: Callable[[int | None], Awaitable[Change]],
    ) -> Change:
        """The change a store write made; its refusal is shown to members only. A document
        the store lost is rebuilt, and the write made to it."""
        for attempt in range(2):
            try:
                return await write(await self._if_version(key, condition))
            except Unavailable:
                raise
            except NotFound as missing:
                if attempt or not await self.sessions.restore_document(key):
                    raise await self._disclosed(principal, key, missing) from None
            except LobbydError as error:
                raise await self._disclosed(principal, key, error) from None
        raise AssertionError("unreachable")

    async def _document(self, key: str) -> Document:
        """The store's document; one the store lost (Redis lost its data) is rebuilt from the
        database first, if its session is active."""
        try:
            return await self.store.get(key)
        except NotFound:
            if not await self.sessions.restore_document(key):
                raise
        return await self.store.get(key)

    async def _require_host(self, principal: Claims, key: str) -> None:
        if principal.is_admin:
            return
        owner = await self._owner(key)
        if owner is None:
            raise codec.no_document()
        if owner.host != principal.player:
            raise await self._disclosed(principal, key, Forbidden("only the host writes the state"))

    async def _disclosed(self, principal: Claims, key: str, error: LobbydError) -> LobbydError:
        """`error` for the document's members and admins; 404 no_document for anyone else."""
        if principal.is_admin:
            return error
        try:
            document = await self.store.get(key)
        except NotFound:
            return codec.no_document()
        if principal.player in document.members:
            return error
        owner = await self._owner(key)
        if owner is not None and owner.host == principal.player:
            return error
        return codec.no_document()

    async def _if_version(self, key: str, condition: Condition | None) -> int | None:
        """The version to compare-and-set against (a list of tags: whichever is current)."""
        if condition is None or condition.versions is None:
            return None
        if len(condition.versions) == 1:
            return next(iter(condition.versions))
        current = (await self.store.get(key)).version
        if current not in condition.versions:
            raise codec.stale(current)
        return current

    async def _owner(self, key: str) -> Owner | None:
        owner = self._owners.get(key)
        if owner is not None:
            return owner
        found = await self.sessions.owner_of_key(key)
        if found is None:
            return None
        if len(self._owners) >= OWNERS_CACHED:
            del self._owners[next(iter(self._owners))]
        owner = self._owners[key] = Owner(found.session_id, found.host)
        return owner
