"""The directory's rules: per-player sessions, invites, reservations, queries, platforms."""

from __future__ import annotations

from lobbyd.auth.scopes import READ_PLAYER_ANY, READ_PLAYER_SELF, grants
from lobbyd.auth.tokens import Claims
from lobbyd.config import Settings
from lobbyd.db import Database
from lobbyd.directory import query as rules
from lobbyd.directory import repository as repo
from lobbyd.directory.holds import Holds
from lobbyd.directory.platforms import Platforms
from lobbyd.directory.repository import Holding
from lobbyd.directory.schemas import (
    AdminSessionQuery,
    PendingInvite,
    PlayerSessions,
    QueryPage,
    SessionQuery,
    SessionsOfType,
    Tagged,
    tagged,
)
from lobbyd.errors import BadRequest, Forbidden
from lobbyd.hosts.service import HostsService
from lobbyd.kit.clock import Clock, rfc3339
from lobbyd.kit.pagination import Cursors
from lobbyd.sessions.service import SessionsService


class DirectoryService:
    """What the four comparable session APIs offer, over lobbyd's sessions."""

    def __init__(
        self,
        db: Database,
        sessions: SessionsService,
        hosts: HostsService,
        settings: Settings,
        clock: Clock,
        cursors: Cursors,
    ) -> None:
        self.db = db
        self.cursors = cursors
        self.sessions = sessions
        self.hosts = hosts
        self.settings = settings
        self.clock = clock
        self.timing = sessions.timing
        self.holds = Holds(sessions.lifecycle, hosts, settings.reservation_timeout)
        self.platforms = Platforms(db, sessions.lifecycle, self.timing, clock)

    async def player_sessions(self, principal: Claims, player: str) -> Tagged:
        """What a player is a member of, invited to and holds seats in, by session type
        (the player themselves with session:read-player:self, or session:read-player:any)."""
        own = rules.is_self(principal, player) and grants(principal.scopes, READ_PLAYER_SELF)
        if not (own or grants(principal.scopes, READ_PLAYER_ANY)):
            raise Forbidden("reading another player's sessions needs session:read-player:any")
        now = self.clock.now()
        # One statement: its own consistent snapshot, no BEGIN/COMMIT round trips.
        held = await repo.holdings(
            self.db, player, now, self.timing.alive_after(now), self.timing.gone_cutoff(now)
        )
        return tagged(_player_view(held))

    async def query(self, principal: Claims, query: SessionQuery) -> QueryPage:
        """A page of active sessions matching the filters, in session-id order."""
        rules.check_permission(principal, query)  # 403 before anything else is looked at
        scope = rules.cursor_scope(query)
        after = self._after(query.cursor, scope)
        now = self.clock.now()
        search = rules.resolve(principal, query, self.timing, now, after)
        if search is None:
            return QueryPage(results=[], next_cursor=None)
        return await self._page(search, query.take, query.player, scope, now)

    async def admin_sessions(self, principal: Claims, query: AdminSessionQuery) -> QueryPage:
        """Every active session (private ones too), by host and keyword, a page at a time;
        admins only."""
        if not principal.is_admin:
            raise Forbidden("listing every session needs an admin token")
        scope = rules.admin_cursor_scope(query)
        after = self._after(query.cursor, scope)
        now = self.clock.now()
        search = rules.admin_search(query, self.timing, now, after)
        return await self._page(search, query.take, None, scope, now)

    def _after(self, cursor: str | None, scope: tuple[object, ...]) -> int:
        if cursor is None:
            return 0
        try:
            return self.cursors.decode(cursor, *scope)
        except ValueError as exc:
            raise BadRequest(
                "the cursor is malformed or belongs to other filters", "bad_cursor"
            ) from exc

    async def _page(
        self,
        search: repo.Search,
        take: int,
        player: str | None,
        scope: tuple[object, ...],
        now: float,
    ) -> QueryPage:
        found = await repo.search(self.db, search)  # one statement, one snapshot
        page = found[:take]
        results = [rules.result(item, player, self.timing, now) for item in page]
        more = len(found) > take
        return QueryPage(
            results=results,
            next_cursor=self.cursors.encode(page[-1].id, *scope) if more else None,
        )


def _player_view(held: list[Holding]) -> PlayerSessions:
    groups: dict[str, SessionsOfType] = {}
    for item in held:
        group = groups.get(item.type)
        if group is None:
            group = groups[item.type] = SessionsOfType(
                type=item.type, session_ids=[], pending_invites={}, reserved_sessions=[]
            )
        if item.kind == "member":
            group.session_ids.append(item.session_id)
        elif item.kind == "reserved":
            group.reserved_sessions.append(item.session_id)
        else:
            group.pending_invites[str(item.session_id)] = PendingInvite(
                session_id=item.session_id, inviting_player_uuid=item.inviter or ""
            )
    latest = max((item.at for item in held), default=None)
    return PlayerSessions(
        sessions=dict(sorted(groups.items())),
        last_updated_timestamp=rfc3339(latest) if latest is not None else None,
    )
