"""Ending sessions, leaving, kicking, heartbeats and timeouts.

Timeouts hold without any background task: every operation that touches a session first checks
its host's liveness (and removes guests silent for two timeouts when it needs their seats); the
sweep only makes the same changes sooner and relays events a failure left behind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from lobbyd.auth.tokens import Claims
from lobbyd.db import Connection, Database
from lobbyd.errors import BadRequest, Forbidden, NotFound
from lobbyd.kit.clock import Clock
from lobbyd.sessions import repository as repo
from lobbyd.sessions.events import Pending, Relay
from lobbyd.sessions.repository import SessionRecord
from lobbyd.sessions.timing import Timing
from lobbyd.store.base import Event

AfterCommit = Callable[[], Awaitable[None]]
#: Which of some players are nonames (not registered hosts), in the caller's transaction.
NonameFilter = Callable[[Connection, Sequence[str]], Awaitable[list[str]]]


def no_session(message: str = "no active session") -> NotFound:
    """404 no_session."""
    return NotFound(message, "no_session")


def session_ended(reason: str | None) -> NotFound:
    """404 session_ended with the reason (for the session's host and admins only)."""
    why = reason or "ended"
    return NotFound(f"the session has ended ({why})", "session_ended", extra={"reason": why})


def gone(principal: Claims | None, session: SessionRecord | None) -> NotFound:
    """What a session that is not active answers: its host and admins learn that it ended and
    why; anyone else learns nothing, as if it never was."""
    if session is None or principal is None or session.status == "active":
        return no_session()
    if principal.is_admin or principal.player == session.host:
        return session_ended(session.end_reason)
    return no_session()


class Lifecycle:
    """Changes to a session's membership and life, each one transaction plus its events."""

    def __init__(
        self, db: Database, relay: Relay, timing: Timing, clock: Clock, nonames: NonameFilter
    ) -> None:
        self.db = db
        self.nonames = nonames
        self.relay = relay
        self.timing = timing
        self.clock = clock

    async def end_in(
        self, conn: Connection, session: SessionRecord, reason: str, now: float
    ) -> list[Pending]:
        """End a locked session inside the caller's transaction; the events to publish."""
        ended = await repo.end(conn, session.id, reason, now)
        if ended is None:
            return []
        return [await self._event(conn, session, "session_ended", now, reason=reason)]

    async def remove_gone_in(
        self, conn: Connection, session: SessionRecord, now: float
    ) -> list[Pending]:
        """Remove guests silent for two timeouts from a locked session; the events."""
        cutoff = self.timing.gone_cutoff(now)
        gone = await repo.remove_gone_guests(conn, session.id, cutoff)
        return [
            await self._event(conn, session, "member_left", now, player=player, reason="timeout")
            for player in gone
        ]

    async def _event(
        self,
        conn: Connection,
        session: SessionRecord,
        kind: str,
        now: float,
        *,
        player: str | None = None,
        reason: str | None = None,
    ) -> Pending:
        seq = await repo.add_event(conn, session.id, kind, now, player=player, reason=reason)
        return Pending(session.id, session.key, session.host, seq, Event(kind, player, reason))

    async def expire(self, session_id: int) -> None:
        """Apply the timeouts to one session now (its own transaction)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            session = await repo.lock(conn, session_id)
            if session is None:
                return
            if self.timing.host_silent(session.host_seen_at, now):
                pending = await self.end_in(conn, session, "host_timeout", now)
            else:
                pending = await self.remove_gone_in(conn, session, now)
        await self.relay.publish(pending)

    async def within(
        self,
        session_id: int,
        action: Callable[[Connection, SessionRecord, float], Awaitable[list[Pending]]],
        *,
        caller: Claims | None = None,
        lock: bool = True,
    ) -> None:
        """Run `action` on an active session in one transaction, then publish its events.

        If the host has timed out, the session is ended instead and 404 is raised after that
        commits: an error answer never undoes a timeout that was due. What `caller` is told of
        a session it may not see (ended, or private and it no member) never differs from an
        unknown id's 404 no_session."""
        now = self.clock.now()
        silent = False
        async with self.db.transaction() as conn:
            session = (
                await repo.lock(conn, session_id) if lock else await repo.get(conn, session_id)
            )
            if session is None or session.status != "active":
                raise gone(caller, session or await repo.get(conn, session_id))
            silent = self.timing.host_silent(session.host_seen_at, now)
            if silent:
                # Without the row lock a concurrent request may have ended it first: then
                # there is nothing left to announce, and the answer is the same.
                pending = await self.end_in(conn, session, "host_timeout", now)
            else:
                try:
                    pending = await action(conn, session, now)
                except Forbidden:
                    if caller is not None and not await self._sees(conn, caller, session):
                        raise no_session() from None
                    raise
        await self.relay.publish(pending)
        if silent:
            raise gone(caller, replace(session, status="ended", end_reason="host_timeout"))

    @staticmethod
    async def _sees(conn: Connection, caller: Claims, session: SessionRecord) -> bool:
        """Whether the caller may know the session exists: it is open, or the caller is an
        admin or a member of it."""
        if session.visibility != "private" or caller.is_admin:
            return True
        if caller.player is None:
            return False
        mine = await repo.membership(conn, caller.player)
        return mine is not None and mine.session_id == session.id

    async def end(self, principal: Claims, session_id: int) -> None:
        """The host (or an admin) ends the session."""

        async def action(conn: Connection, session: SessionRecord, now: float) -> list[Pending]:
            if principal.player != session.host and not principal.is_admin:
                raise Forbidden("only the host ends its session")
            return await self.end_in(conn, session, "ended_by_host", now)

        await self.within(session_id, action, caller=principal)

    async def remove(self, principal: Claims, session_id: int, guest: str) -> None:
        """The guest leaves, or the host (or an admin) kicks it."""
        leaving = principal.player == guest

        async def action(conn: Connection, session: SessionRecord, now: float) -> list[Pending]:
            if not (leaving or principal.player == session.host or principal.is_admin):
                raise Forbidden("only the guest itself or the host may do this")
            if guest == session.host:
                raise BadRequest(
                    "the host ends its session with DELETE /sessions/{id}", "host_cannot_leave"
                )
            if not await repo.remove_member(conn, session.id, guest):
                raise NotFound("not a member of this session", "not_member")
            kind = "member_left" if leaving else "member_kicked"
            return [await self._event(conn, session, kind, now, player=guest)]

        await self.within(session_id, action, caller=principal)

    async def heartbeat(self, principal: Claims, session_id: int, players: Sequence[str]) -> None:
        """A member shows life; the host may also vouch for nonames present in its game (a
        registered guest shows its own life: the host's word does not keep it active)."""
        caller = principal.player

        async def action(conn: Connection, session: SessionRecord, now: float) -> list[Pending]:
            if caller == session.host or principal.is_admin:
                await repo.touch_host(conn, session.id, now, self.timing.alive_after(now))
                vouched = await self.nonames(conn, players) if players else []
                await repo.touch_members(conn, session.id, [session.host, *vouched], now)
                return []
            if players:
                raise Forbidden("only the host vouches for other players")
            if caller is None:
                raise Forbidden("a service token is no member of any session")
            mine = await repo.membership(conn, caller)
            if mine is None or mine.session_id != session.id:
                raise Forbidden("not a member of this session")
            await repo.touch_members(conn, session.id, [caller], now)
            return []

        await self.within(session_id, action, caller=principal, lock=False)

    async def touch(self, session_id: int, player: str) -> None:
        """Record life of one member (an open sync socket); nothing if it is no longer one."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            session = await repo.get(conn, session_id)
            if session is None or session.status != "active":
                return
            if player == session.host:
                await repo.touch_host(conn, session_id, now, self.timing.alive_after(now))
            await repo.touch_members(conn, session_id, [player], now)

    async def on_ban(self, conn: Connection, host: str, guest: str) -> AfterCommit | None:
        """Hook in the ban's transaction: the banned guest leaves the host's live session at
        once (the session's row lock orders this against any join in flight)."""
        session = await repo.lock_of_host(conn, host)
        if session is None:
            return None
        await repo.drop_holds_of(conn, session.id, guest)
        if not await repo.remove_member(conn, session.id, guest):
            return None
        now = self.clock.now()
        pending = [
            await self._event(conn, session, "member_kicked", now, player=guest, reason="banned")
        ]
        return lambda: self.relay.publish(pending)

    async def on_host_deleted(self, conn: Connection, host: str) -> AfterCommit | None:
        """Hook in the account deletion's transaction: its session ends, and it leaves the
        session it was a guest in."""
        now = self.clock.now()
        pending: list[Pending] = []
        own = await repo.lock_of_host(conn, host)
        if own is not None:
            pending += await self.end_in(conn, own, "host_deleted", now)
        mine = await repo.membership(conn, host)
        if mine is not None and mine.role == "guest":
            other = await repo.lock(conn, mine.session_id)
            if other is not None and await repo.remove_member(conn, other.id, host):
                pending.append(
                    await self._event(
                        conn, other, "member_left", now, player=host, reason="deleted"
                    )
                )
        if not pending:
            return None
        return lambda: self.relay.publish(pending)
