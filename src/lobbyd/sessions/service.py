"""Launch, join, read and change sessions; who is welcome."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from lobbyd.auth.tickets import Tickets
from lobbyd.auth.tokens import Claims
from lobbyd.config import Settings
from lobbyd.db import Connection, Database
from lobbyd.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    LobbydError,
    NotFound,
    not_found_other,
    not_found_this,
)
from lobbyd.hosts.service import HostsService
from lobbyd.kit.clock import Clock
from lobbyd.kit.etags import etag_of
from lobbyd.kit.ids import new_key
from lobbyd.sessions import repository as repo
from lobbyd.sessions.events import Pending, Relay
from lobbyd.sessions.ice import IceAnswer, IceServers
from lobbyd.sessions.lifecycle import Lifecycle, gone, no_session
from lobbyd.sessions.repository import Options, SessionRecord
from lobbyd.sessions.schemas import (
    Joined,
    LaunchRequest,
    Session,
    SessionPublic,
    SessionRef,
    SessionUpdate,
    Welcome,
)
from lobbyd.sessions.timing import Timing
from lobbyd.sessions.views import session_view
from lobbyd.sessions.welcome import Facts, Verdict, decide
from lobbyd.store.base import Event, SyncStore

log = logging.getLogger("lobbyd.sessions")


class _StaleMembership(Exception):
    """The player's other membership has timed out: clean it up, then try again."""


@dataclass(frozen=True, slots=True)
class KeyOwner:
    """Which session a source_of_truth_key belongs to."""

    session_id: int
    host: str
    active: bool


@dataclass(frozen=True, slots=True)
class Launched:
    """A launch's answer and whether it created the session."""

    ref: SessionRef
    created: bool


class SessionsService:
    """The sessions API's rules."""

    def __init__(
        self,
        db: Database,
        store: SyncStore,
        hosts: HostsService,
        tickets: Tickets,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self.db = db
        self.store = store
        self.hosts = hosts
        self.tickets = tickets
        self.settings = settings
        self.clock = clock
        self.timing = Timing(settings.session_timeout)
        self.relay = Relay(db, store, settings.sync_grace)
        self.lifecycle = Lifecycle(db, self.relay, self.timing, clock, hosts.nonames)
        self.ice_servers = IceServers(settings)

    async def launch(self, principal: Claims, request: LaunchRequest) -> Launched:
        """Create the host's session, or answer its existing one (launch is idempotent)."""
        host = request.host
        if principal.player != host and not principal.is_admin:
            raise Forbidden("a host launches only its own session")
        if request.capacity > self.settings.max_capacity:
            raise BadRequest(
                f"capacity is at most {self.settings.max_capacity}", "capacity_too_large"
            )
        options = Options(
            type=request.type,
            capacity=request.capacity,
            visibility=request.visibility,
            keywords=request.keywords,
            labels=request.labels,
            connection=request.connection.model_dump() if request.connection else None,
        )
        for _ in range(2):
            try:
                return await self._launch_once(principal, host, options)
            except _StaleMembership:
                await self._expire_membership(host)
        raise Conflict("the host is a guest in another active session", "host_is_guest")

    async def _launch_once(self, principal: Claims, host: str, options: Options) -> Launched:
        now = self.clock.now()
        timed_out: list[Pending] = []
        session: SessionRecord | None = None
        async with self.db.transaction() as conn:
            if not await self.hosts.exists(conn, host):
                raise not_found_this() if principal.player == host else not_found_other()
            existing = await repo.active_of_host(conn, host)
            if existing is not None and self.timing.host_silent(existing.host_seen_at, now):
                locked = await repo.lock(conn, existing.id)
                if locked is not None:
                    timed_out = await self.lifecycle.end_in(conn, locked, "host_timeout", now)
                existing = None
            if existing is None:
                if not await self._refuse_if_guest(conn, host, now):
                    # (True: it hosts a session already, which a concurrent launch just made)
                    session = await repo.insert(conn, host, new_key(), options, now)
                if session is None:  # a concurrent launch won; answer its session
                    existing = await repo.active_of_host(conn, host)
                    if existing is None:
                        raise Conflict("the session changed meanwhile; retry", "retry")
                elif not await repo.add_member(
                    conn, session.id, host, "host", now, session.capacity
                ):
                    raise Conflict("the host is a guest in another active session", "host_is_guest")
                else:
                    # Created before commit: if the store is away the launch fails whole (503).
                    await self.store.create(session.key, host)
        await self.relay.publish(timed_out)
        if existing is not None:
            await self._keep_document(existing.id, existing.key, existing.host)
            return Launched(
                SessionRef(session_id=existing.id, source_of_truth_key=existing.key), False
            )
        assert session is not None
        return Launched(SessionRef(session_id=session.id, source_of_truth_key=session.key), True)

    async def _refuse_if_guest(self, conn: Connection, host: str, now: float) -> bool:
        """409 if the host is a guest elsewhere; True if it is the host of a session (one
        that a concurrent launch committed after this one looked)."""
        mine = await repo.membership(conn, host)
        if mine is None:
            return False
        if mine.role == "host":
            return True
        if self._stale(mine.seen_at, mine.host_seen_at, now):
            raise _StaleMembership
        raise Conflict("the host is a guest in another active session", "host_is_guest")

    def _stale(self, seen_at: float, host_seen_at: float, now: float) -> bool:
        return self.timing.guest_gone(seen_at, now) or self.timing.host_silent(host_seen_at, now)

    async def _expire_membership(self, player: str) -> None:
        mine = await repo.membership(self.db, player)
        if mine is not None:
            await self.lifecycle.expire(mine.session_id)

    async def join(self, principal: Claims, host: str, guest: str) -> Joined:
        """Admit a guest to the host's session, checking failures in the documented order."""
        await self._may_join(principal, host, guest)
        if guest == host:
            raise BadRequest("the guest is the host", "guest_is_host")
        for _ in range(2):
            try:
                session = await self._join_once(host, guest)
                break
            except _StaleMembership:
                await self._expire_membership(guest)
        else:
            raise BadRequest("the guest is in another active session", "in_another_session")
        return Joined(
            session_id=session.id,
            source_of_truth_key=session.key,
            ticket=self.tickets.issue(guest, session.id, host),
        )

    async def _may_join(self, principal: Claims, host: str, guest: str) -> None:
        """A registered guest joins by its own token (or an admin's); the host joins only
        nonames, so no host can pull a player in and lock it out of launching or joining."""
        if principal.is_admin or principal.player == guest:
            return
        if principal.player != host:
            raise Forbidden("only the guest, the host or an admin may join a guest")
        if await self.hosts.registered(guest):
            raise Forbidden(
                "a registered guest joins with its own token; the host joins only nonames"
            )

    async def _join_once(self, host: str, guest: str) -> SessionRecord:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            session = await repo.lock_of_host(conn, host)
            if session is None:
                raise no_session()
            silent = self.timing.host_silent(session.host_seen_at, now)
            if silent:
                pending = await self.lifecycle.end_in(conn, session, "host_timeout", now)
            else:
                pending = await self._admit(conn, session, guest, now)
        await self.relay.publish(pending)
        if silent:
            raise no_session("the session ended: its host timed out")
        return session

    async def _admit(
        self, conn: Connection, session: SessionRecord, guest: str, now: float
    ) -> list[Pending]:
        standing = await repo.standing(conn, session.id, guest, now)
        mine = standing.membership
        if mine is not None:
            if mine.session_id == session.id:
                raise BadRequest("the guest is already in this session", "already_member")
            if self._stale(mine.seen_at, mine.host_seen_at, now):
                raise _StaleMembership
            raise BadRequest("the guest is in another active session", "in_another_session")
        verdict = await self._verdict(
            conn, session.host, guest, standing.invited, standing.reserved
        )
        if not verdict.welcome:
            raise NotFound("the host does not welcome this guest", "not_welcome")
        pending = await self._take_seat(conn, session, guest, now)
        if standing.invited or standing.reserved:
            await repo.consume_holds(conn, session.id, guest)
        seq = await repo.add_event(conn, session.id, "member_joined", now, player=guest)
        event = Event("member_joined", guest)
        pending.append(Pending(session.id, session.key, session.host, seq, event))
        # The event is published after commit; the store must be reachable now, or the join
        # is refused whole (503) rather than admitted unannounced.
        await self.store.ping()
        return pending

    async def _take_seat(
        self, conn: Connection, session: SessionRecord, guest: str, now: float
    ) -> list[Pending]:
        capacity = session.capacity
        if await repo.add_member(conn, session.id, guest, "guest", now, capacity):
            return []
        if await repo.membership(conn, guest) is not None:  # joined elsewhere meanwhile
            raise BadRequest("the guest is in another active session", "in_another_session")
        freed = await self.lifecycle.remove_gone_in(conn, session, now)
        if freed and await repo.add_member(conn, session.id, guest, "guest", now, capacity):
            return freed
        raise BadRequest("the session is full", "session_full")

    async def _verdict(
        self, conn: Connection, host: str, guest: str, invited: bool, reserved: bool
    ) -> Verdict:
        relation = await self.hosts.relationship(conn, host, guest)
        return decide(
            Facts(
                guest_is_host=guest == host,
                banned=relation.banned if relation else False,
                invited=invited,
                reserved=reserved,
                only_friends=relation.only_friends if relation else True,
                friend=relation.friend if relation else False,
                registered=relation.registered if relation else False,
                allow_nonames=relation.allow_nonames if relation else False,
            )
        )

    async def restore_document(self, key: str) -> bool:
        """Rebuild the sync document of an active session that the store no longer has (Redis
        lost its data, say) as the database has it; False when `key` names no active session."""
        session = await repo.by_key(self.db, key)
        if session is None or session.status != "active":
            return False
        log.warning("the sync document of session %s was missing: rebuilt", session.id)
        await self.relay.catch_up(session.id, key, session.host, None)
        return True

    async def _keep_document(self, session_id: int, key: str, host: str) -> None:
        """Rebuild the document of a relaunched session if the store lost it; the launch's
        answer stands whatever happens here (any later access rebuilds it too)."""
        try:
            await self.relay.catch_up(session_id, key, host, None)
        except LobbydError as error:
            log.warning("could not check the sync document of session %s: %s", session_id, error)

    async def count_active(self) -> int:
        """Active sessions whose host is still alive (one statement, for the metrics)."""
        return await repo.count_active(self.db, self.clock.now() - self.timing.timeout)

    async def owner_of_key(self, key: str) -> KeyOwner | None:
        """The session behind a source_of_truth_key (for the sync API's access checks)."""
        session = await repo.by_key(self.db, key)
        if session is None:
            return None
        active = session.status == "active" and not self.timing.host_silent(
            session.host_seen_at, self.clock.now()
        )
        return KeyOwner(session.id, session.host, active)

    async def welcome(self, principal: Claims, host: str, guest: str) -> Welcome:
        """Would `guest` be admitted to `host`'s session, and which rule decides (owner only)."""
        if principal.player != host and not principal.is_admin:
            raise Forbidden("this belongs to another host")
        now = self.clock.now()
        async with self.db.reading() as conn:
            if not await self.hosts.exists(conn, host):
                raise not_found_this() if principal.player == host else not_found_other()
            session = await repo.active_of_host(conn, host)
            held = await repo.holds(conn, session.id, guest, now) if session else (False, False)
            verdict = await self._verdict(conn, host, guest, *held)
        return Welcome(welcome=verdict.welcome, reason=verdict.reason.value)

    async def get(self, principal: Claims, session_id: int) -> tuple[Session | SessionPublic, str]:
        """Members see everything; others see an open session's public fields."""
        now = self.clock.now()
        async with self.db.reading() as conn:
            session = await repo.get(conn, session_id)
            if session is None:
                raise no_session()
            if session.status != "active" or self.timing.host_silent(session.host_seen_at, now):
                stale = session.status == "active"
            else:
                stale = None
                members = await repo.members(conn, session_id)
                reserved = await repo.live_reservations(conn, session_id, now)
        if stale is not None:
            if stale:
                await self.lifecycle.expire(session_id)
                session = replace(session, status="ended", end_reason="host_timeout")
            raise gone(principal, session)
        full = principal.is_admin or any(m.player == principal.player for m in members)
        if not full and session.visibility == "private":
            raise no_session()
        view = session_view(session, members, reserved, self.timing, now, full=full)
        return view, etag_of(view.model_dump_json())

    async def ice(self, principal: Claims, session_id: int) -> IceAnswer:
        """ICE servers and TURN credentials for a member (or an admin) of an active session;
        anyone else gets the 404 of a session that is not there."""
        now = self.clock.now()
        async with self.db.reading() as conn:
            if principal.is_admin:
                session = await repo.get(conn, session_id)
                live = session is not None and session.status == "active"
                host_seen_at = session.host_seen_at if session else 0.0
            else:  # a service token is no player: it is a member of nothing
                player = principal.player
                membership = await repo.membership(conn, player) if player else None
                live = membership is not None and membership.session_id == session_id
                host_seen_at = membership.host_seen_at if membership else 0.0
        if not live or self.timing.host_silent(host_seen_at, now):
            raise no_session()
        return self.ice_servers.answer(principal.subject, now)

    async def update(self, principal: Claims, session_id: int, change: SessionUpdate) -> Session:
        """The host changes visibility, keywords, labels, connection or turn."""
        fields = change.model_dump(exclude_unset=True)
        if "visibility" in fields and fields["visibility"] is None:
            raise BadRequest("visibility cannot be null", "bad_request")
        for name, empty in (("keywords", []), ("labels", {}), ("turn", [])):
            if name in fields and fields[name] is None:
                fields[name] = empty

        async def action(conn: Connection, session: SessionRecord, now: float) -> list[Pending]:
            if principal.player != session.host and not principal.is_admin:
                raise Forbidden("only the host changes its session")
            if fields.get("turn"):
                players = {m.player for m in await repo.members(conn, session.id)}
                if not set(fields["turn"]) <= players:
                    raise BadRequest("turn names a player who is not a member", "not_member")
            await repo.update(conn, session.id, fields)
            return []

        await self.lifecycle.within(session_id, action, caller=principal)
        view, _ = await self.get(principal, session_id)
        assert isinstance(view, Session)
        return view
