"""Platform sessions (rallyhere-platform-session.txt): the host links its platform's own session
(a Steam lobby, a PSN session, ...) to its lobbyd session; members and trusted services resolve
the platform session back to the lobbyd session."""

from __future__ import annotations

import hashlib

from lobbyd.auth.scopes import READ_PLATFORM, grants
from lobbyd.auth.tokens import Claims
from lobbyd.db import Connection, Database
from lobbyd.directory import repository_platforms as repo
from lobbyd.directory.holds import is_host_or_admin
from lobbyd.directory.schemas import Platform, PlatformSession, PlatformSessionLink, Tagged, tagged
from lobbyd.errors import Conflict, Forbidden, NotFound
from lobbyd.kit.clock import Clock
from lobbyd.sessions.events import Pending
from lobbyd.sessions.lifecycle import Lifecycle
from lobbyd.sessions.repository import SessionRecord  # the type Lifecycle.within hands over
from lobbyd.sessions.timing import Timing


def id_digest(platform_session_id_base64: str) -> str:
    """The key of a platform session id (ids may be too long to index themselves)."""
    return hashlib.sha256(platform_session_id_base64.encode()).hexdigest()


class Platforms:
    """Link, read and unlink platform sessions."""

    def __init__(self, db: Database, lifecycle: Lifecycle, timing: Timing, clock: Clock) -> None:
        self.db = db
        self.lifecycle = lifecycle
        self.timing = timing
        self.clock = clock

    async def link(
        self, principal: Claims, session_id: int, platform: Platform, body: PlatformSessionLink
    ) -> tuple[Tagged, bool]:
        """The host links (or relinks) its session on a platform; whether the link is new."""
        values = repo.LinkValues(
            platform=platform.value,
            digest=id_digest(body.platform_session_id_base64),
            platform_session_id=body.platform_session_id_base64,
            platform_session_type=body.platform_session_type,
            custom_data=body.custom_data,
        )
        outcome: list[repo.Linked] = []

        async def action(conn: Connection, session: SessionRecord, now: float) -> list[Pending]:
            if not is_host_or_admin(principal, session):
                raise Forbidden("only the host links its session")
            linked = await repo.link(conn, session.id, values, now, self.timing.alive_after(now))
            if linked == "taken":
                raise Conflict(
                    "this platform session is linked to another active session",
                    "platform_session_taken",
                )
            outcome.append(linked)
            return []

        await self.lifecycle.within(session_id, action, caller=principal)
        view = PlatformSession(
            platform=platform,
            platform_session_type=values.platform_session_type,
            platform_session_id_base64=values.platform_session_id,
            players=[],
            custom_data=values.custom_data,
            session_id=session_id,
        )
        return tagged(view), outcome == ["created"]

    async def get(
        self, principal: Claims, platform: Platform, platform_session_id_base64: str
    ) -> Tagged:
        """A platform session linked to an active lobbyd session; its members, holders of
        session:read:platform and admins may read it."""
        now = self.clock.now()
        found = await repo.resolve(  # one statement, one snapshot
            self.db,
            platform.value,
            id_digest(platform_session_id_base64),
            principal.player,
            self.timing.alive_after(now),
            self.timing.gone_cutoff(now),
        )
        if found is None:
            raise NotFound("no such platform session", "no_platform_session")
        if not (found.viewer_is_member or grants(principal.scopes, READ_PLATFORM)):
            raise Forbidden("only members of the linked session may read it")
        link = found.link
        view = PlatformSession(
            platform=Platform(link.platform),
            platform_session_type=link.platform_session_type,
            platform_session_id_base64=link.platform_session_id,
            players=[],
            custom_data=link.custom_data,
            session_id=link.session_id,
        )
        return tagged(view)

    async def unlink(self, principal: Claims, session_id: int, platform: Platform) -> None:
        """The host removes its session's link on a platform."""

        async def action(conn: Connection, session: SessionRecord, now: float) -> list[Pending]:
            if not is_host_or_admin(principal, session):
                raise Forbidden("only the host unlinks its session")
            if not await repo.unlink(conn, session.id, platform.value):
                raise NotFound("the session has no link on this platform", "no_platform_session")
            return []

        await self.lifecycle.within(session_id, action, caller=principal)

    async def release(
        self, principal: Claims, platform: Platform, platform_session_id_base64: str
    ) -> None:
        """An admin frees a platform session from whichever lobbyd session holds it (say a
        host that linked a platform session not its own), so its owner can link it."""
        if not principal.is_admin:
            raise Forbidden("only an admin releases a platform session from another's session")
        digest = id_digest(platform_session_id_base64)
        async with self.db.transaction() as conn:
            if not await repo.release(conn, platform.value, digest):
                raise NotFound("no such platform session", "no_platform_session")
